"""The frame shared by every page."""

import reflex as rx

from fintech_ui.components.navbar import navbar


def page_frame(
    *children: rx.Component, width: str = "1100px", shown_before_state: rx.Var | None = None
) -> rx.Component:
    """Navigation bar above a centred main column.

    `shown_before_state`: when true, the children show before the page state has arrived too
    (in the HTML, before any script runs), because their default values are real content.
    """
    # Until the page state has arrived, default values would read as "logged out" and "no
    # products" (and stay so while the state store is unreachable): say so instead.
    ready = rx.State.is_hydrated
    if shown_before_state is not None:
        ready = ready | shown_before_state
    return rx.box(
        navbar(),
        rx.el.main(
            rx.cond(
                ready,
                rx.fragment(*children),
                rx.center(
                    rx.hstack(rx.spinner(), rx.text("Connecting…", color_scheme="gray")),
                    padding="4rem",
                ),
            ),
            max_width=width,
            margin_x="auto",
            padding_x=rx.breakpoints(initial="1rem", sm="1.5rem"),
            padding_y=rx.breakpoints(initial="1.5rem", sm="2.5rem"),
        ),
        min_height="100vh",
        background_color="var(--gray-2)",
    )


def card_frame(title: str, *children: rx.Component) -> rx.Component:
    """A narrow card with a heading, for forms."""
    return page_frame(
        rx.card(
            rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4", width="100%"),
            size=rx.breakpoints(initial="3", sm="4"),
            width="100%",
        ),
        width="440px",
    )
