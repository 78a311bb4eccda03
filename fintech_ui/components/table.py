"""The one table look used for statements and orders; one card per row on a phone."""

from collections.abc import Callable

import reflex as rx


def data_table(headers: list[str], rows: rx.Var, render_row: Callable) -> rx.Component:
    """A full-width table: a header row, then `render_row` for each item of `rows`.

    Below 640 px each row stacks as a card whose cells show their column's name (the
    `data-label` that `cell` sets), so nothing is cut off or scrolls sideways.
    """
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(header) for header in headers])),
        rx.table.body(rx.foreach(rows, render_row)),
        variant="surface",
        width="100%",
        class_name="stack-table",
    )


def cell(label: str, *children, **props) -> rx.Component:
    """A table cell that names its column, for the stacked layout on small screens."""
    return rx.table.cell(*children, custom_attrs={"data-label": label}, **props)
