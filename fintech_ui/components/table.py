"""The one table look used for carts, statements and orders."""

from collections.abc import Callable

import reflex as rx


def data_table(headers: list[str], rows: rx.Var, render_row: Callable) -> rx.Component:
    """A full-width table: a header row, then `render_row` for each item of `rows`."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(header) for header in headers])),
        rx.table.body(rx.foreach(rows, render_row)),
        variant="surface",
        width="100%",
    )
