"""The shopping cart page."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.cart_line import cart_line, focus_after_checkout
from fintech_ui.components.layout import page_frame
from fintech_ui.state.cart import CartState

ROUTE = routes.CART


def _notices() -> rx.Component:
    return rx.fragment(
        rx.cond(
            CartState.message != "",
            rx.callout(
                rx.flex(
                    rx.text(CartState.message),
                    rx.link("See your orders", href=routes.ORDERS),
                    spacing="3",
                    wrap="wrap",
                    align="center",
                ),
                icon="circle-check",
                color_scheme="green",
                role="status",
                width="100%",
                id="cart-status",
                tab_index=-1,
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
                rx.flex(
                    rx.text("Some prices changed since you added these products."),
                    rx.button("Accept new prices", on_click=CartState.accept_prices, size="2"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                icon="info",
                color_scheme="amber",
                width="100%",
            ),
        ),
    )


def _lines() -> rx.Component:
    return rx.el.ul(
        rx.foreach(CartState.rows, cart_line),
        aria_label="Products in your cart",
        display="flex",
        flex_direction="column",
        gap="0.75rem",
        padding="0",
        margin="0",
        width="100%",
    )


def cart_page() -> rx.Component:
    """Lines, total and checkout; a visitor is asked to log in at checkout."""
    return page_frame(
        rx.vstack(
            rx.heading("Your cart", size="7", as_="h1", id="cart-heading", tab_index=-1),
            _notices(),
            rx.cond(
                CartState.is_empty,
                rx.vstack(
                    rx.text(
                        "Your cart is empty",
                        size="4",
                        color_scheme="gray",
                        id="cart-empty",
                        tab_index=-1,
                    ),
                    rx.link("Browse the catalogue", href=routes.INDEX),
                    padding_y="2rem",
                ),
                rx.vstack(
                    _lines(),
                    rx.flex(
                        rx.cond(
                            ~CartState.logged_in,
                            rx.text(
                                "You will be asked to log in to check out.",
                                size="2",
                                color_scheme="gray",
                            ),
                        ),
                        rx.spacer(),
                        rx.text("Total: ", CartState.total, size="5", weight="bold"),
                        rx.button(
                            "Checkout",
                            on_click=[
                                focus_after_checkout(),
                                CartState.checkout(CartState.version),
                            ],
                            size="3",
                            disabled=CartState.prices_changed,
                            width=rx.breakpoints(initial="100%", sm="auto"),
                        ),
                        direction=rx.breakpoints(initial="column", sm="row"),
                        align=rx.breakpoints(initial="stretch", sm="center"),
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
