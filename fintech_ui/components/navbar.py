"""The navigation bar on every page: brand, cart link and who is logged in.

From 768 px every link shows; below, the account links fold into a menu button, so the bar
never scrolls sideways on a phone. The cart link stays visible at every width.
"""

import reflex as rx

from fintech_ui import routes
from fintech_ui.state.admin import AdminState
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState


def _logged_in() -> rx.Var:
    return AuthState.username != ""


def _account_link(**props) -> rx.Component:
    """The user's name, linking to the account; its accessible name says both."""
    return rx.link(
        rx.hstack(rx.icon("circle-user", size=18), rx.text(AuthState.username), align="center"),
        href=routes.ACCOUNT,
        aria_label="Account, " + AuthState.username,
        color_scheme="gray",
        high_contrast=True,
        **props,
    )


def _log_out_button(**props) -> rx.Component:
    return rx.button("Log out", on_click=AuthState.log_out, variant="soft", size="2", **props)


def _register_link(**props) -> rx.Component:
    """One link that looks like a button: one Tab stop, and Enter follows it."""
    return rx.button(rx.link("Register", href=routes.REGISTER), as_child=True, size="2", **props)


def _wide_links() -> rx.Component:
    """Orders and account controls, shown inline from 768 px."""
    return rx.hstack(
        rx.cond(
            _logged_in(),
            rx.hstack(
                rx.cond(AdminState.is_admin, rx.link("Admin", href=routes.ADMIN, weight="medium")),
                rx.link("Portfolio", href=routes.PORTFOLIO, weight="medium"),
                rx.link("Orders", href=routes.ORDERS, weight="medium"),
                _account_link(),
                _log_out_button(),
                align="center",
                spacing="5",
            ),
            rx.hstack(
                rx.link("Log in", href=routes.LOGIN, weight="medium"),
                _register_link(),
                align="center",
                spacing="4",
            ),
        ),
        class_name="nav-wide",
        align="center",
    )


def _menu() -> rx.Component:
    """The same links behind a menu button, below 768 px.

    The button is there from the first paint (the catalogue paints before the page state
    arrives), so nothing moves when the state comes; its links wait for the state.
    """
    links = rx.cond(
        ~rx.State.is_hydrated,
        rx.text("Connecting…", color_scheme="gray", size="2"),
        rx.cond(
            _logged_in(),
            rx.vstack(
                rx.cond(AdminState.is_admin, rx.link("Admin", href=routes.ADMIN, weight="medium")),
                rx.link("Portfolio", href=routes.PORTFOLIO, weight="medium"),
                rx.link("Orders", href=routes.ORDERS, weight="medium"),
                _account_link(),
                _log_out_button(width="100%"),
                spacing="2",
                align="stretch",
            ),
            rx.vstack(
                rx.link("Log in", href=routes.LOGIN, weight="medium"),
                _register_link(width="100%"),
                spacing="2",
                align="stretch",
            ),
        ),
    )
    return rx.box(
        rx.popover.root(
            rx.popover.trigger(
                rx.icon_button(
                    rx.icon("menu", size=22),
                    aria_label="Menu",
                    variant="ghost",
                    color_scheme="gray",
                    size="3",
                ),
            ),
            rx.popover.content(
                links,
                aria_label="Menu",
                side="bottom",
                align="end",
                min_width="200px",
            ),
        ),
        class_name="nav-narrow",
    )


def _cart_link() -> rx.Component:
    """Cart with its unit count, named "Cart, 2 items" for screen readers.

    The visible words ("Cart 2", with a real space) are contained in the name, so speech
    users can say what they see (WCAG 2.5.3, axe's label-content-name-mismatch).
    """
    name = rx.cond(
        CartState.count == 1, "Cart, 1 item", "Cart, " + CartState.count.to(str) + " items"
    )
    return rx.link(
        rx.icon("shopping-cart", size=18, aria_hidden="true"),
        rx.el.span(
            "Cart",
            " ",
            rx.cond(
                CartState.count > 0,
                rx.badge(CartState.count, variant="solid", radius="full"),
            ),
        ),
        href=routes.CART,
        weight="medium",
        aria_label=name,
        display="inline-flex",
        align_items="center",
        gap="0.4rem",
    )


def navbar() -> rx.Component:
    """Top bar with the brand, the account links (or a menu on phones) and the cart link."""
    return rx.el.header(
        rx.el.nav(
            rx.hstack(
                rx.link(
                    rx.hstack(
                        rx.image(src="/logo.svg", alt="", width="28px", height="28px"),
                        rx.text("Fintech UI", size="5", weight="bold", as_="span"),
                        align="center",
                        spacing="2",
                    ),
                    href=routes.INDEX,
                    underline="none",
                    color_scheme="gray",
                    high_contrast=True,
                ),
                rx.spacer(),
                # Not "Log in" for a user whose page state has not arrived yet.
                rx.cond(rx.State.is_hydrated, _wide_links()),
                _cart_link(),
                _menu(),
                align="center",
                # As tall before the links come as with them (a size-2 button and the
                # padding: the box is border-box), so the page painted before the state
                # arrives does not move down when it does.
                min_height="calc(32px + 1.2rem)",
                spacing=rx.breakpoints(initial="3", md="5"),
                max_width="1100px",
                margin_x="auto",
                padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
                padding_y="0.6rem",
            ),
            aria_label="Main",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        width="100%",
    )
