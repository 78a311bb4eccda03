"""The shopping cart page."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.cart_line import cart_line
from fintech_ui.components.layout import page_frame
from fintech_ui.components.table import data_table
from fintech_ui.state.cart import CartState

ROUTE = routes.CART


def _notices() -> rx.Component:
    return rx.fragment(
        rx.cond(
            CartState.message != "",
            rx.callout(
                rx.hstack(
                    rx.text(CartState.message),
                    rx.link("See your orders", href=routes.ORDERS),
                ),
                icon="circle-check",
                color_scheme="green",
                role="status",
                width="100%",
            ),
        ),
        rx.cond(
            CartState.error != "",
            rx.callout(
                CartState.error,
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                width="100%",
            ),
        ),
        rx.cond(
            CartState.prices_changed,
            rx.callout(
                rx.hstack(
                    rx.text("Some prices changed since you added these products."),
                    rx.button("Accept new prices", on_click=CartState.accept_prices, size="1"),
                    align="center",
                ),
                icon="info",
                color_scheme="amber",
                width="100%",
            ),
        ),
    )


def _table() -> rx.Component:
    return data_table(["Product", "Price", "Quantity", "Total", ""], CartState.rows, cart_line)


def cart_page() -> rx.Component:
    """Lines, total and checkout; a visitor is asked to log in at checkout."""
    return page_frame(
        rx.vstack(
            rx.heading("Your cart", size="7", as_="h1"),
            _notices(),
            rx.cond(
                CartState.is_empty,
                rx.vstack(
                    rx.text("Your cart is empty", size="4", color_scheme="gray"),
                    rx.link("Browse the catalogue", href=routes.INDEX),
                    padding_y="2rem",
                ),
                rx.vstack(
                    _table(),
                    rx.hstack(
                        rx.cond(
                            ~CartState.logged_in,
                            rx.text(
                                "You will be asked to log in to check out.",
                                size="2",
                                color_scheme="gray",
                            ),
                        ),
                        rx.spacer(),
                        rx.heading("Total: ", CartState.total, size="5", as_="p"),
                        rx.button(
                            "Checkout",
                            on_click=CartState.checkout,
                            size="3",
                            disabled=CartState.prices_changed,
                        ),
                        align="center",
                        spacing="4",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
