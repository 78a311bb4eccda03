"""The shopping cart page."""

import reflex as rx

from fintech_ui.components.layout import page_frame

ROUTE = "/cart"


def cart_page() -> rx.Component:
    """The cart's lines; empty until the catalogue can add to it."""
    return page_frame(
        rx.vstack(
            rx.heading("Your cart", size="7", as_="h1"),
            rx.text("Your cart is empty", color_scheme="gray"),
            spacing="4",
        )
    )
