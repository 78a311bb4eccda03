"""The order history and one order's details. Need a login."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.layout import page_frame
from fintech_ui.components.table import data_table
from fintech_ui.state.orders import OrderLineRow, OrderRow, OrdersState

ROUTE = routes.ORDERS
DETAIL_ROUTE = routes.ORDER_DETAIL


def _order_row(order: OrderRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link("Order #", order.id, href=routes.ORDER_PREFIX + order.id.to(str))),
        rx.table.cell(order.date),
        rx.table.cell(order.summary),
        rx.table.cell(rx.text(order.total, weight="medium")),
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
        rx.table.cell(line.name),
        rx.table.cell(line.quantity),
        rx.table.cell(line.unit_price),
        rx.table.cell(line.line_total),
    )


def order_detail_page() -> rx.Component:
    """One order's lines and total."""
    return page_frame(
        rx.vstack(
            rx.link(rx.icon("arrow-left", size=14), "All orders", href=routes.ORDERS, size="2"),
            rx.cond(
                OrdersState.detail_missing,
                rx.text("Order not found.", color_scheme="gray"),
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
                        rx.heading("Total: ", OrdersState.detail.total, size="5", as_="p"),
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
