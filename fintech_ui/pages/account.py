"""The investor's account page; needs a login."""

import reflex as rx

from fintech_ui.components.layout import page_frame
from fintech_ui.state.account import AccountState

ROUTE = "/account"


def account_page() -> rx.Component:
    """Who you are; balance and statement arrive with checkout."""
    return page_frame(
        rx.cond(
            AccountState.account_name != "",
            rx.vstack(
                rx.heading("Your account", size="7", as_="h1"),
                rx.card(
                    rx.data_list.root(
                        rx.data_list.item(
                            rx.data_list.label("Username"),
                            rx.data_list.value(AccountState.account_name),
                        ),
                        rx.data_list.item(
                            rx.data_list.label("Member since"),
                            rx.data_list.value(AccountState.member_since),
                        ),
                    ),
                    size="3",
                ),
                spacing="5",
            ),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        )
    )
