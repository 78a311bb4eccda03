"""The one table look used for statements and orders; one card per row on a phone."""

from collections.abc import Callable

import reflex as rx


def _header(label: str) -> rx.Component:
    # A column of buttons is named for screen readers only ("" would be an empty header).
    if not label:
        return rx.table.column_header_cell(rx.el.span("Actions", class_name="visually-hidden"))
    return rx.table.column_header_cell(label)


def data_table(
    headers: list[str], rows: rx.Var, render_row: Callable, *, empty: str = "", **props
) -> rx.Component:
    """A full-width table: a header row, then `render_row` for each item of `rows`.

    Below 640 px each row stacks as a card whose cells show their column's name (the
    `data-label` that `cell` sets), so nothing is cut off or scrolls sideways. A header ""
    is a column of actions, named for screen readers only. With `empty`, no rows read as
    that sentence instead of a bare header.
    """
    table = rx.table.root(
        rx.table.header(rx.table.row(*[_header(header) for header in headers])),
        rx.table.body(rx.foreach(rows, render_row)),
        width="100%",
        class_name="stack-table",
        **{"variant": "surface", **props},
    )
    if not empty:
        return table
    return rx.cond(rows.length() > 0, table, rx.text(empty, size="2", color_scheme="gray"))


def cell(label: str, *children, **props) -> rx.Component:
    """A table cell that names its column, for the stacked layout on small screens."""
    return rx.table.cell(*children, custom_attrs={"data-label": label}, **props)
