"""The registration page."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.forms import form_error, labelled_input
from fintech_ui.components.layout import card_frame
from fintech_ui.security import PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN
from fintech_ui.state.auth import AuthState

ROUTE = routes.REGISTER


def register_page() -> rx.Component:
    """Username, password and confirmation, posted to AuthState.register."""
    return card_frame(
        "Create your account",
        rx.form(
            rx.vstack(
                labelled_input(
                    "Username",
                    "username",
                    auto_complete="username",
                    required=True,
                    hint=f"{USERNAME_MIN}–{USERNAME_MAX} letters, digits, “.”, “_” or “-”.",
                    error=AuthState.register_error,
                    error_id="register-error",
                ),
                labelled_input(
                    "Password",
                    "password",
                    type_="password",
                    auto_complete="new-password",
                    required=True,
                    hint=f"{PASSWORD_MIN}–{PASSWORD_MAX} characters; not a common password.",
                    error=AuthState.register_error,
                    error_id="register-error",
                ),
                labelled_input(
                    "Confirm password",
                    "confirm_password",
                    type_="password",
                    auto_complete="new-password",
                    required=True,
                    error=AuthState.register_error,
                    error_id="register-error",
                ),
                form_error(AuthState.register_error, error_id="register-error"),
                rx.button("Create account", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.register,
            width="100%",
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Log in", href=routes.LOGIN + AuthState.next_query),
            size="2",
            color_scheme="gray",
        ),
    )
