"""Back office, products section: search, list and the create/edit form."""

import reflex as rx

from fintech_ui.components.forms import form_error
from fintech_ui.components.table import cell, data_table
from fintech_ui.state.admin_products import AdminProductRow
from fintech_ui.state.admin_products import AdminProductsState as S


def _field_error(name: str) -> rx.Component:
    message = S.field_errors.get(name, "")
    return rx.cond(
        S.field_errors.contains(name),
        rx.text(message, color_scheme="red", size="2", id=f"product-{name}-error", role="alert"),
    )


def _described_by(name: str) -> rx.Var:
    """The field's own message, read with the field when there is one."""
    return rx.cond(S.field_errors.contains(name), f"product-{name}-error", "")


def _label(text: str, name: str) -> rx.Component:
    return rx.el.label(
        text, html_for=f"product-{name}", style={"fontWeight": "500", "fontSize": "14px"}
    )


def _text_field(label: str, name: str, **props) -> rx.Component:
    return rx.vstack(
        _label(label, name),
        rx.input(
            id=f"product-{name}",
            name=name,
            default_value=S.values[name],
            size="2",
            width="100%",
            aria_invalid=S.field_errors.contains(name).to(str),
            aria_describedby=_described_by(name),
            **props,
        ),
        _field_error(name),
        spacing="1",
        width="100%",
    )


def _select_field(label: str, name: str, options: list[str] | rx.Var) -> rx.Component:
    return rx.vstack(
        _label(label, name),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o, value=o))
            if isinstance(options, rx.Var)
            else rx.fragment(*[rx.el.option(o, value=o) for o in options]),
            id=f"product-{name}",
            name=name,
            default_value=S.values[name],
            aria_invalid=S.field_errors.contains(name).to(str),
            aria_describedby=_described_by(name),
            class_name="native-select",
            style={
                "width": "100%",
                "padding": "6px",
                "borderRadius": "6px",
                "border": "1px solid var(--gray-a7)",
                "background": "var(--color-surface)",
                "fontSize": "14px",
                "minHeight": "32px",
                "color": "var(--gray-12)",
            },
        ),
        _field_error(name),
        spacing="1",
        width="100%",
    )


def _remove_dialog() -> rx.Component:
    """Ask before removing: a product never sold is deleted for good."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete or deactivate", type="button", variant="soft", color_scheme="red")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this product?", custom_attrs={"as": "h2"}),
            rx.alert_dialog.description(
                "A product that was never sold is deleted. One with orders is deactivated: "
                "it leaves the catalogue and stays in every order.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Remove", color_scheme="red", on_click=S.remove(S.editing_id))
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def product_form() -> rx.Component:
    """Create or edit one product; every field has its label and its own message."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(S.editing_id == 0, "New product", "Edit product"), size="4", as_="h3"
                ),
                rx.grid(
                    _text_field("SKU", "sku", read_only=S.sku_locked),
                    _text_field("Name", "name"),
                    _select_field("Category", "category", S.categories),
                    _text_field("Price", "price", input_mode="decimal", placeholder="12.50"),
                    _text_field("Stock", "stock", input_mode="numeric"),
                    _text_field("Reason for a stock change", "reason", placeholder="e.g. Recount"),
                    _select_field("Risk", "risk", ["1", "2", "3", "4", "5"]),
                    rx.vstack(
                        rx.text("Active", weight="medium", size="2", aria_hidden="true"),
                        rx.switch(  # no id: a form would submit it (its value lives in state)
                            checked=S.active,
                            on_change=S.set_active,
                            aria_label="Active",
                        ),
                        spacing="1",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                rx.vstack(
                    _label("Description", "description"),
                    rx.text_area(
                        id="product-description",
                        name="description",
                        default_value=S.values["description"],
                        aria_invalid=S.field_errors.contains("description").to(str),
                        aria_describedby=_described_by("description"),
                        width="100%",
                        rows="3",
                    ),
                    _field_error("description"),
                    spacing="1",
                    width="100%",
                ),
                rx.cond(
                    S.sku_locked,
                    rx.text(
                        "This product has been sold: its SKU cannot change.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                form_error(S.error, error_id="admin-product-error"),
                rx.hstack(
                    rx.button("Save product", type="submit"),
                    rx.button("Cancel", type="button", variant="soft", on_click=S.cancel),
                    rx.cond(S.editing_id != 0, _remove_dialog()),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    S.stock_moves.length() > 0,
                    rx.vstack(
                        rx.heading("Stock adjustments", size="2", as_="h4"),
                        rx.foreach(S.stock_moves, lambda m: rx.text(m, size="2")),
                        spacing="1",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=S.save,
            key=S.form_key,
            width="100%",
        ),
        width="100%",
    )


def _row(row: AdminProductRow) -> rx.Component:
    return rx.table.row(
        cell("SKU", rx.text(row.sku, size="1", color_scheme="gray")),
        cell("Name", row.name),
        cell("Category", row.category),
        cell("Price", row.price),
        cell("Stock", row.stock),
        cell(
            "Status",
            rx.badge(row.status, color_scheme=rx.cond(row.status == "Active", "green", "gray")),
        ),
        cell(
            "",
            rx.button(
                "Edit",
                size="1",
                variant="soft",
                on_click=S.edit(row.id),
                aria_label="Edit " + row.name,
            ),
        ),
        align="center",
    )


def products_section() -> rx.Component:
    """Search, list, and the form when one is open."""
    return rx.vstack(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Search products by name or SKU",
                aria_label="Search products",
                on_change=S.search_for.debounce(300),
                width="100%",
                max_width="360px",
            ),
            rx.button(rx.icon("plus", size=16), "New product", on_click=S.new_product),
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            S.message != "", rx.callout(S.message, icon="check", color_scheme="green", width="100%")
        ),
        rx.cond(S.editing, product_form(), form_error(S.error, error_id="admin-products-error")),
        data_table(
            ["SKU", "Name", "Category", "Price", "Stock", "Status", ""],
            S.rows,
            _row,
            size="1",
            empty="No products match.",
        ),
        spacing="4",
        width="100%",
    )
