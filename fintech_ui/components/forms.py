"""Form fields whose labels, hints and errors are bound to their inputs, for screen readers."""

import reflex as rx


def labelled_input(
    label: str,
    name: str,
    *,
    type_: str = "text",
    hint: str = "",
    error: rx.Var | None = None,
    error_id: str = "",
    **props,
) -> rx.Component:
    """A label above a text input and an optional hint below it.

    The hint (id `<name>-hint`) and, while `error` is not empty, the error (id `error_id`)
    describe the input (aria-describedby), and the input is then marked aria-invalid.
    """
    hint_id = f"{name}-hint" if hint else ""
    if error is not None and error_id:
        props["aria_invalid"] = rx.cond(error != "", "true", "false")
        props["aria_describedby"] = rx.cond(error != "", f"{hint_id} {error_id}".strip(), hint_id)
    elif hint_id:
        props["aria_describedby"] = hint_id
    children = [
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "14px"}),
        rx.input(id=name, name=name, type=type_, size="3", width="100%", **props),
    ]
    if hint:
        children.append(rx.text(hint, id=hint_id, size="1", color_scheme="gray"))
    return rx.vstack(*children, spacing="1", width="100%")


def form_error(message: rx.Var, *, error_id: str) -> rx.Component:
    """An error shown only when `message` is not empty; inputs name `error_id` to point at it."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            width="100%",
            id=error_id,
        ),
    )
