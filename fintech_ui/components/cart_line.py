"""One line of the cart with its quantity controls."""

import reflex as rx

from fintech_ui.components.product_card import category_icon
from fintech_ui.state.cart import CartRow, CartState


def _icon_button(icon: str, label: rx.Var, on_click, **props) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=16), on_click=on_click, aria_label=label, variant="soft", **props
    )


def cart_line(row: CartRow) -> rx.Component:
    """Name, price (old and new when it changed), quantity buttons, total and actions."""
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                category_icon(row.category, size="28px"),
                rx.vstack(
                    rx.text(row.name, weight="medium"),
                    rx.cond(
                        ~row.available,
                        rx.text("No longer available", size="1", color_scheme="red"),
                    ),
                    spacing="0",
                ),
                align="center",
            )
        ),
        rx.table.cell(
            rx.cond(
                row.price_changed,
                rx.vstack(
                    rx.text(
                        row.seen_price,
                        text_decoration="line-through",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.text(row.unit_price, color_scheme="amber", weight="medium"),
                    spacing="0",
                ),
                rx.text(row.unit_price),
            )
        ),
        rx.table.cell(
            rx.hstack(
                _icon_button(
                    "minus", "Decrease quantity of " + row.name, CartState.decrease(row.item_id)
                ),
                rx.text(
                    row.quantity,
                    min_width="2ch",
                    text_align="center",
                    aria_label="Quantity of " + row.name,
                ),
                _icon_button(
                    "plus", "Increase quantity of " + row.name, CartState.increase(row.item_id)
                ),
                align="center",
            )
        ),
        rx.table.cell(rx.text(row.line_total, weight="medium")),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Buy",
                    on_click=CartState.buy_line(row.item_id),
                    aria_label="Buy " + row.name,
                    size="2",
                ),
                _icon_button(
                    "trash-2",
                    "Remove " + row.name,
                    CartState.remove(row.item_id),
                    color_scheme="red",
                ),
                align="center",
            )
        ),
        align="center",
    )
