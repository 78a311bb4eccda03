"""/admin: the back office (products, users, orders, audit log, analytics), for admins only."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.admin_analytics import analytics_section
from fintech_ui.components.admin_audit import audit_section
from fintech_ui.components.admin_orders import orders_section
from fintech_ui.components.admin_products import products_section
from fintech_ui.components.admin_users import users_section
from fintech_ui.components.layout import page_frame
from fintech_ui.state.admin import AdminState

ROUTE = routes.ADMIN
TABS = (
    ("products", "Products", products_section),
    ("users", "Users", users_section),
    ("orders", "Orders", orders_section),
    ("audit", "Audit log", audit_section),
    ("analytics", "Analytics", analytics_section),
)


def admin_page() -> rx.Component:
    """The back office; anyone else reads that it is for administrators."""
    return page_frame(
        rx.vstack(
            rx.heading("Back office", size="7", as_="h1"),
            rx.cond(
                AdminState.is_admin,
                rx.tabs.root(
                    rx.tabs.list(
                        *[rx.tabs.trigger(label, value=key) for key, label, _ in TABS],
                        # all five sections visible at 390 px: smaller tabs, wrapping if need be
                        size=rx.breakpoints(initial="1", sm="2"),
                        style={"flexWrap": "wrap", "overflowX": "visible"},
                    ),
                    *[
                        rx.tabs.content(section(), value=key, padding_top="1rem")
                        for key, _, section in TABS
                    ],
                    value=AdminState.section,
                    on_change=AdminState.choose_section,
                    width="100%",
                ),
                rx.cond(
                    AdminState.checked,
                    rx.callout(
                        "The back office is for administrators only.",
                        icon="lock",
                        color_scheme="red",
                        role="alert",
                    ),
                    rx.spinner(),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="1200px",
    )
