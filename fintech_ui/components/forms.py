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


def form_message(message: rx.Var) -> rx.Component:
    """A confirmation shown only when `message` is not empty; role=status, read out politely."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", width="100%"),
    )


def submit_button(text: str, *, busy: rx.Var | None = None, **props) -> rx.Component:
    """The form's full-width submit button; while `busy` it spins and takes no second click."""
    if busy is not None:
        props.update(loading=busy, disabled=busy)
    return rx.button(text, type="submit", width="100%", **props)


def form_card(
    title: str,
    *fields: rx.Component,
    error: rx.Var,
    error_id: str,
    message: rx.Var | None = None,
    note: rx.Component | None = None,
    submit: rx.Component,
    on_submit: rx.EventHandler,
    flex: str = "1 1 280px",
    **card_props,
) -> rx.Component:
    """One form in a card: its h2 title, its fields, then its error (with the id `error_id`
    the fields name in aria-describedby), its success message, a note and the submit button."""
    children = [rx.heading(title, size="4", as_="h2"), *fields]
    children.append(form_error(error, error_id=error_id))
    if message is not None:
        children.append(form_message(message))
    if note is not None:
        children.append(note)
    children.append(submit)
    return rx.card(
        rx.form(rx.vstack(*children, spacing="3"), on_submit=on_submit),
        size="3",
        flex=flex,
        **card_props,
    )
