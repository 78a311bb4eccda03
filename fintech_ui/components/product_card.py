"""A product in the catalogue grid."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.state.cart import CartState
from fintech_ui.state.catalogue import ProductRow

CATEGORY_LABELS = {
    "fund": "Fund",
    "bond": "Bond",
    "stock": "Stock",
    "crypto": "Crypto",
    "commodity": "Commodity",
}
CATEGORY_PLURALS = {
    "fund": "Funds",
    "bond": "Bonds",
    "stock": "Stocks",
    "crypto": "Crypto",
    "commodity": "Commodities",
}
RISK_COLORS = {1: "green", 2: "teal", 3: "amber", 4: "orange", 5: "red"}


def category_icon(category: rx.Var, size: str = "36px") -> rx.Component:
    """The category's picture from assets/categories."""
    return rx.image(src="/categories/" + category + ".svg", alt="", width=size, height=size)


def product_card(product: ProductRow) -> rx.Component:
    """Name, category, price, stock and the add button of one product."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                category_icon(product.category),
                rx.vstack(
                    rx.heading(
                        rx.link(
                            product.name, href=routes.PRODUCT_PREFIX + product.sku, color="inherit"
                        ),
                        size="3",
                        as_="h2",
                    ),
                    rx.text(
                        rx.match(product.category, *CATEGORY_LABELS.items(), product.category),
                        " · ",
                        product.sku,
                        size="1",
                        color_scheme="gray",
                    ),
                    spacing="0",
                ),
                align="center",
                spacing="3",
            ),
            # Cut at a word with an ellipsis (ProductRow.summary); the full text is longer.
            rx.text(product.summary, size="2", color_scheme="gray", min_height="4.5em"),
            rx.hstack(
                rx.badge(
                    "Risk: ",
                    product.risk,
                    color_scheme=rx.match(product.risk_level, *RISK_COLORS.items(), "gray"),
                    variant="soft",
                ),
                rx.badge(
                    product.stock_label,
                    color_scheme=rx.cond(product.in_stock, "gray", "red"),
                    variant="outline",
                ),
                spacing="2",
            ),
            rx.hstack(
                rx.text(product.price, size="5", weight="bold"),
                rx.spacer(),
                rx.button(
                    rx.icon("plus", size=16),
                    "Add",
                    on_click=CartState.add_to_cart(product.id),
                    disabled=~product.in_stock,
                    aria_label="Add " + product.name + " to cart",
                ),
                align="center",
                width="100%",
            ),
            spacing="3",
            height="100%",
            justify="between",
        ),
        size="2",
    )
