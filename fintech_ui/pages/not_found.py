"""The page for any address the app does not have: the top bar and ways back."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.layout import page_frame

ROUTE = "404"  # Reflex serves the page registered under this route for unknown paths


def not_found_page() -> rx.Component:
    """Says what happened in plain words and offers the catalogue and the cart."""
    return page_frame(
        rx.vstack(
            rx.text("Error 404", size="2", color_scheme="gray", weight="medium"),
            rx.heading("We could not find that page", size="7", as_="h1"),
            rx.text(
                "The address may be mistyped, or the page may have moved.",
                size="3",
                color_scheme="gray",
            ),
            rx.flex(
                rx.button(
                    rx.link("Go to the catalogue", href=routes.INDEX), as_child=True, size="3"
                ),
                rx.button(
                    rx.link("Open your cart", href=routes.CART),
                    as_child=True,
                    size="3",
                    variant="soft",
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            padding_y="2rem",
        ),
        width="720px",
    )
