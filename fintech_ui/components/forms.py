"""Form fields whose labels are bound to their inputs, for screen readers and tests."""

import reflex as rx


def labelled_input(label: str, name: str, *, type_: str = "text", **props) -> rx.Component:
    """A label above a text input; the label's `for` names the input's id."""
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "14px"}),
        rx.input(id=name, name=name, type=type_, size="3", width="100%", **props),
        spacing="1",
        width="100%",
    )


def form_error(message: rx.Var) -> rx.Component:
    """An error callout shown only when `message` is not empty; always plain text."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )
