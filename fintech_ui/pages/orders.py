"""The order history and one order's details. Need a login."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.layout import page_frame
from fintech_ui.components.table import cell, data_table
from fintech_ui.state.orders import OrderLineRow, OrderRow, OrdersState

ROUTE = routes.ORDERS
DETAIL_ROUTE = routes.ORDER_DETAIL


def _order_row(order: OrderRow) -> rx.Component:
    return rx.table.row(
        cell("Order", rx.link("Order #", order.id, href=routes.ORDER_PREFIX + order.id.to(str))),
        cell("Date", rx.text(order.date, class_name="nowrap")),
        cell("Products", order.summary),
        cell("Total", rx.text(order.total, weight="medium", class_name="nowrap")),
    )


def orders_page() -> rx.Component:
    """Every order, newest first."""
    return page_frame(
        rx.vstack(
            rx.heading("Your orders", size="7", as_="h1"),
            rx.cond(
                OrdersState.orders.length() > 0,
                data_table(["Order", "Date", "Products", "Total"], OrdersState.orders, _order_row),
                rx.cond(
                    OrdersState.loaded,
                    rx.text("No orders yet.", color_scheme="gray"),
                    rx.spinner(size="3"),
                ),
            ),
            spacing="4",
            width="100%",
        )
    )


def _line(line: OrderLineRow) -> rx.Component:
    return rx.table.row(
        cell("Product", line.name),
        cell("Quantity", line.quantity),
        cell("Unit price", rx.text(line.unit_price, class_name="nowrap")),
        cell("Total", rx.text(line.line_total, class_name="nowrap")),
    )


def order_detail_page() -> rx.Component:
    """One order's lines and total."""
    return page_frame(
        rx.vstack(
            rx.link(
                rx.icon("arrow-left", size=16, aria_hidden="true"),
                "All orders",
                href=routes.ORDERS,
                size="2",
                display="inline-flex",
                align_items="center",
                gap="0.35rem",
            ),
            rx.cond(
                OrdersState.detail_missing,
                rx.heading("Order not found", size="7", as_="h1"),
                rx.cond(
                    OrdersState.detail.id > 0,
                    rx.vstack(
                        rx.heading("Order #", OrdersState.detail.id, size="7", as_="h1"),
                        rx.text("Placed ", OrdersState.detail.date, color_scheme="gray"),
                        data_table(
                            ["Product", "Quantity", "Unit price", "Total"],
                            OrdersState.detail.lines,
                            _line,
                        ),
                        rx.text("Total: ", OrdersState.detail.total, size="5", weight="bold"),
                        spacing="4",
                        width="100%",
                    ),
                    rx.spinner(size="3"),
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
