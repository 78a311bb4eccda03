"""The landing page."""

import reflex as rx

from fintech_ui.components.layout import page_frame

ROUTE = "/"

CATEGORIES = [
    ("fund", "Funds", "Diversified portfolios run by professional managers."),
    ("bond", "Bonds", "Government and corporate debt with fixed coupons."),
    ("stock", "Stocks", "Shares in listed companies worldwide."),
    ("crypto", "Crypto", "Digital assets, for the risk-tolerant."),
    ("commodity", "Commodities", "Gold, silver, oil and other raw materials."),
]


def _category_card(slug: str, title: str, blurb: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.image(src=f"/categories/{slug}.svg", alt="", width="40px", height="40px"),
            rx.heading(title, size="4", as_="h3"),
            rx.text(blurb, size="2", color_scheme="gray"),
            spacing="2",
        ),
        size="2",
    )


def index_page() -> rx.Component:
    """What Fintech UI offers, and where to start."""
    return page_frame(
        rx.vstack(
            rx.heading("Invest in what you understand", size="8", as_="h1"),
            rx.text(
                "Funds, bonds, stocks, crypto and commodities in one place, "
                "paid from your account balance to the cent.",
                size="4",
                color_scheme="gray",
            ),
            rx.grid(
                *[_category_card(*category) for category in CATEGORIES],
                columns=rx.breakpoints(initial="1", sm="2", md="5"),
                spacing="4",
                width="100%",
                padding_top="1.5rem",
            ),
            spacing="3",
        )
    )
