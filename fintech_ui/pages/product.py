"""A product's page at /products/<sku>: what it is, how risky, how its price moved."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.charts import chart_card, line_chart
from fintech_ui.components.layout import page_frame
from fintech_ui.components.product_card import CATEGORY_LABELS, RISK_COLORS, category_icon
from fintech_ui.state.cart import CartState
from fintech_ui.state.product import RANGE_DAYS, ProductState

ROUTE = routes.PRODUCT_DETAIL


def _figure(label: str, value: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.text(value, size="5", weight="bold"),
            spacing="1",
        ),
        flex="1 1 130px",
    )


def _range_buttons() -> rx.Component:
    return rx.hstack(
        *[
            rx.button(
                label,
                on_click=ProductState.show_range(label),
                variant=rx.cond(ProductState.chart_range == label, "solid", "soft"),
                size="1",
                aria_pressed=rx.cond(ProductState.chart_range == label, "true", "false"),
            )
            for label in RANGE_DAYS
        ],
        spacing="2",
        role="group",
        aria_label="Chart range",
    )


def _analytics() -> rx.Component:
    return rx.vstack(
        rx.heading("Returns and volatility", size="4", as_="h2"),
        rx.flex(
            _figure("1 month", ProductState.return_1m),
            _figure("6 months", ProductState.return_6m),
            _figure("1 year", ProductState.return_1y),
            _figure("Volatility (annualised)", ProductState.volatility),
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        rx.text(
            "Each return compares today's price with the price in force 1, 6 or 12 months ago "
            "(price now ÷ price then − 1). Volatility is the standard deviation of the daily "
            "price changes over the past year, multiplied by √365 to express it per year: "
            "the higher it is, the more the price swings.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
    )


def _product() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            category_icon(ProductState.category, "48px"),
            rx.vstack(
                rx.heading(ProductState.name, size="7", as_="h1"),
                rx.text(
                    rx.match(
                        ProductState.category, *CATEGORY_LABELS.items(), ProductState.category
                    ),
                    " · ",
                    ProductState.product_sku,
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            align="center",
            spacing="3",
        ),
        rx.text(ProductState.description, size="3"),
        rx.flex(
            rx.vstack(
                rx.text("Current price", size="2", color_scheme="gray"),
                rx.text(ProductState.price, size="7", weight="bold"),
                rx.text(ProductState.stock_label, size="1", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("plus", size=16),
                "Add ",
                ProductState.name,
                " to cart",
                on_click=CartState.add_to_cart(ProductState.item_id),
                disabled=~ProductState.in_stock,
                size="3",
                white_space="normal",
                height="auto",
                min_height="40px",
            ),
            wrap="wrap",
            gap="3",
            align="center",
            width="100%",
        ),
        rx.callout(
            rx.text(rx.text.strong("Risk: ", ProductState.risk, ". "), ProductState.risk_sentence),
            icon="gauge",
            color_scheme=rx.match(ProductState.risk_level, *RISK_COLORS.items(), "gray"),
            width="100%",
        ),
        chart_card(
            "Price",
            line_chart(ProductState.chart_points, "date", [("price", "#3e63dd")]),
            rx.text(ProductState.chart_caption, size="2", color_scheme="gray"),
            controls=_range_buttons(),
        ),
        _analytics(),
        spacing="5",
        width="100%",
    )


def product_page() -> rx.Component:
    """The product named in the URL, or a plain not-found message."""
    return page_frame(
        rx.cond(
            ProductState.loaded,
            rx.cond(
                ProductState.found,
                _product(),
                rx.vstack(
                    rx.heading("Product not found", size="7", as_="h1"),
                    rx.link("Back to the catalogue", href="/"),
                    spacing="3",
                ),
            ),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        )
    )
