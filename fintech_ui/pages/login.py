"""The log-in page."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.forms import form_error, labelled_input
from fintech_ui.components.layout import card_frame
from fintech_ui.state.auth import AuthState

ROUTE = routes.LOGIN


def login_page() -> rx.Component:
    """Username and password, posted to AuthState.log_in."""
    return card_frame(
        "Log in",
        rx.form(
            rx.vstack(
                labelled_input(
                    "Username",
                    "username",
                    auto_complete="username",
                    required=True,
                    error=AuthState.login_error,
                    error_id="login-error",
                ),
                labelled_input(
                    "Password",
                    "password",
                    type_="password",
                    auto_complete="current-password",
                    required=True,
                    error=AuthState.login_error,
                    error_id="login-error",
                ),
                form_error(AuthState.login_error, error_id="login-error"),
                rx.button("Log in", type="submit", size="3", width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=AuthState.log_in,
            width="100%",
        ),
        rx.text(
            "New here? ",
            rx.link("Create an account", href=routes.REGISTER + AuthState.next_query),
            size="2",
            color_scheme="gray",
        ),
    )
