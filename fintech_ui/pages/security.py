"""The security page (change password, active sessions) and the password-reset page."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.forms import (
    form_card,
    form_error,
    form_message,
    labelled_input,
    submit_button,
)
from fintech_ui.components.layout import card_frame, page_frame
from fintech_ui.components.table import cell, data_table
from fintech_ui.security import PASSWORD_MAX, PASSWORD_MIN
from fintech_ui.state.security import ResetPasswordState, SecurityState, SessionRow

ROUTE = routes.ACCOUNT_SECURITY
RESET_ROUTE = routes.RESET_PASSWORD
POLICY_HINT = f"{PASSWORD_MIN}–{PASSWORD_MAX} characters; not a common password."


def _new_password_fields(error: rx.Var, error_id: str) -> list[rx.Component]:
    return [
        labelled_input(
            "New password",
            "new_password",
            type_="password",
            auto_complete="new-password",
            required=True,
            hint=POLICY_HINT,
            error=error,
            error_id=error_id,
        ),
        labelled_input(
            "Confirm new password",
            "confirm_new_password",
            type_="password",
            auto_complete="new-password",
            required=True,
            error=error,
            error_id=error_id,
        ),
    ]


def _change_password() -> rx.Component:
    return form_card(
        "Change password",
        # The browser's password manager pairs the new password with this account.
        labelled_input(
            "Current password",
            "current_password",
            type_="password",
            auto_complete="current-password",
            required=True,
            error=SecurityState.password_error,
            error_id="password-error",
        ),
        *_new_password_fields(SecurityState.password_error, "password-error"),
        error=SecurityState.password_error,
        error_id="password-error",
        message=SecurityState.password_message,
        note=rx.text(
            "Every other browser and API token of yours is logged out; this one stays.",
            size="1",
            color_scheme="gray",
        ),
        submit=submit_button("Change password", busy=SecurityState.changing),
        on_submit=SecurityState.change_password,
        flex="1 1 300px",
        max_width="32rem",
    )


def _session_row(row: SessionRow) -> rx.Component:
    return rx.table.row(
        cell(
            "Kind",
            rx.hstack(
                rx.text(row.kind),
                rx.cond(row.this_device, rx.badge("This device", color_scheme="teal")),
                spacing="2",
                wrap="wrap",
            ),
        ),
        cell("Address", rx.text(row.address, class_name="nowrap")),
        cell("Started", rx.text(row.started, class_name="nowrap")),
        cell("Last seen", rx.text(row.last_seen, class_name="nowrap")),
        cell(
            "Action",
            rx.button(
                "End session",
                on_click=SecurityState.end_session(row.id),
                variant="soft",
                color_scheme="red",
                size="2",
                aria_label=rx.cond(
                    row.this_device,
                    "End session (this device: logs you out)",
                    "End session started " + row.started,
                ),
            ),
        ),
    )


def _active_sessions() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Active sessions", size="4", as_="h2"),
            rx.spacer(),
            rx.button(
                "Log out other sessions",
                on_click=SecurityState.end_other_sessions,
                variant="outline",
            ),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        form_message(SecurityState.sessions_message),
        data_table(
            ["Kind", "Address", "Started", "Last seen", "Action"],
            SecurityState.sessions,
            _session_row,
        ),
        spacing="3",
        width="100%",
    )


def security_page() -> rx.Component:
    """Change password beside the list of live sessions; needs a login."""
    return page_frame(
        rx.cond(
            SecurityState.loaded,
            rx.vstack(
                rx.link("← Your account", href=routes.ACCOUNT, size="2"),
                rx.heading("Password and sessions", size="7", as_="h1"),
                _change_password(),
                _active_sessions(),
                spacing="5",
                width="100%",
            ),
            rx.vstack(
                form_error(SecurityState.password_error, error_id="password-error"),
                rx.center(rx.spinner(size="3"), padding="4rem", width="100%"),
                width="100%",
            ),
        )
    )


def reset_password_page() -> rx.Component:
    """New password twice, for the operator's single-use link; every session ends."""
    return card_frame(
        "Set a new password",
        rx.cond(
            ResetPasswordState.reset_done,
            rx.vstack(
                rx.callout(
                    "Your password was set and every session was logged out.",
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    width="100%",
                ),
                rx.link("Log in with the new password", href=routes.LOGIN),
                spacing="3",
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    *_new_password_fields(ResetPasswordState.reset_error, "reset-error"),
                    form_error(ResetPasswordState.reset_error, error_id="reset-error"),
                    submit_button("Set password", busy=ResetPasswordState.setting, size="3"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=ResetPasswordState.set_password,
                width="100%",
            ),
        ),
    )
