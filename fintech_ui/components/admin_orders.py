"""Back office, orders section: filters, the list and one order in detail."""

import reflex as rx

from fintech_ui.components.forms import form_error
from fintech_ui.components.table import cell, data_table
from fintech_ui.state.admin_orders import AdminOrderLine, AdminOrderRow
from fintech_ui.state.admin_orders import AdminOrdersState as S


def _filter(label: str, name: str, placeholder: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            label, html_for=f"orders-{name}", style={"fontSize": "14px", "fontWeight": "500"}
        ),
        rx.input(
            id=f"orders-{name}",
            name=name,
            placeholder=placeholder,
            size="2",
            aria_invalid=S.filter_errors.contains(name).to(str),
            aria_describedby=rx.cond(S.filter_errors.contains(name), f"orders-{name}-error", ""),
        ),
        rx.cond(
            S.filter_errors.contains(name),
            rx.text(
                S.filter_errors.get(name, ""),
                color_scheme="red",
                size="1",
                role="alert",
                id=f"orders-{name}-error",
            ),
        ),
        spacing="1",
    )


def _row(row: AdminOrderRow) -> rx.Component:
    return rx.table.row(
        cell(
            "Order",
            rx.link(
                "#",
                row.id.to(str),
                href="#",
                on_click=S.show(row.id),
                aria_label="Order " + row.id.to(str),
            ),
        ),
        cell("When (UTC)", row.when),
        cell("User", row.username),
        cell("Lines", row.lines),
        cell("Total", row.total),
    )


def _line(line: AdminOrderLine) -> rx.Component:
    return rx.table.row(
        cell("SKU", line.sku),
        cell("Product", line.name),
        cell("Units", line.quantity),
        cell("Unit price", line.unit_price),
        cell("Total", line.line_total),
    )


def _detail() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(S.detail_title, size="3", as_="h3"),
                rx.spacer(),
                rx.button("Close", size="1", variant="soft", on_click=S.close_detail),
                width="100%",
            ),
            data_table(
                ["SKU", "Product", "Units", "Unit price", "Total"],
                S.detail_lines,
                _line,
                size="1",
                variant="ghost",
            ),
            rx.text("Total: ", S.detail_total, weight="medium"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def orders_section() -> rx.Component:
    """Every order, newest first, filtered by date, user and product."""
    return rx.vstack(
        rx.form(
            rx.hstack(
                _filter("From", "date_from", "YYYY-MM-DD"),
                _filter("To", "date_to", "YYYY-MM-DD"),
                _filter("User", "username", "name"),
                _filter("Product", "product", "SKU or name"),
                rx.button("Filter", type="submit", align_self="end"),
                spacing="3",
                wrap="wrap",
                align="start",
            ),
            on_submit=S.apply_filters,
            width="100%",
        ),
        form_error(S.error, error_id="admin-orders-error"),
        rx.cond(S.detail_id != 0, _detail()),
        data_table(
            ["Order", "When (UTC)", "User", "Lines", "Total"],
            S.rows,
            _row,
            size="1",
            empty="No orders match.",
        ),
        spacing="4",
        width="100%",
    )
