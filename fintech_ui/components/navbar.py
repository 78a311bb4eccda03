"""The navigation bar on every page: brand, cart link and who is logged in."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.state.admin import AdminState
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState


def _account_controls() -> rx.Component:
    return rx.cond(
        AuthState.username != "",
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("circle-user", size=18), rx.text(AuthState.username), align="center"
                ),
                href=routes.ACCOUNT,
                aria_label="Account",
                color_scheme="gray",
                high_contrast=True,
            ),
            rx.button("Log out", on_click=AuthState.log_out, variant="soft", size="2"),
            align="center",
            spacing="4",
        ),
        rx.hstack(
            rx.link("Log in", href=routes.LOGIN, weight="medium"),
            rx.button(rx.link("Register", href=routes.REGISTER, color="inherit"), size="2"),
            align="center",
            spacing="4",
        ),
    )


def navbar() -> rx.Component:
    """Top bar with the brand, the cart link and the account controls."""
    return rx.el.nav(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.image(src="/logo.svg", alt="", width="28px", height="28px"),
                    rx.heading("Fintech UI", size="5", weight="bold"),
                    align="center",
                    spacing="2",
                ),
                href=routes.INDEX,
                underline="none",
                color_scheme="gray",
                high_contrast=True,
            ),
            rx.spacer(),
            rx.cond(
                AdminState.is_admin & (AuthState.username != ""),
                rx.link("Admin", href=routes.ADMIN, weight="medium"),
            ),
            rx.cond(
                AuthState.username != "",
                rx.link("Portfolio", href=routes.PORTFOLIO, weight="medium"),
            ),
            rx.cond(
                AuthState.username != "",
                rx.link("Orders", href=routes.ORDERS, weight="medium"),
            ),
            rx.link(
                rx.hstack(
                    rx.icon("shopping-cart", size=18),
                    rx.text("Cart"),
                    rx.cond(
                        CartState.count > 0,
                        rx.badge(
                            CartState.count,
                            variant="solid",
                            radius="full",
                            aria_label="items in cart",
                        ),
                    ),
                    align="center",
                ),
                href=routes.CART,
                weight="medium",
            ),
            # Not "Log in" for a user whose page state has not arrived yet.
            rx.cond(rx.State.is_hydrated, _account_controls()),
            align="center",
            spacing="6",
            max_width="1100px",
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="0.9rem",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        width="100%",
    )
