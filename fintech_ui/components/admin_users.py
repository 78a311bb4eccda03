"""Back office, users section: search and the Disable/Enable buttons."""

import reflex as rx

from fintech_ui.components.forms import form_error
from fintech_ui.components.table import cell, data_table
from fintech_ui.state.admin_users import AdminUserRow
from fintech_ui.state.admin_users import AdminUsersState as S


def _row(row: AdminUserRow) -> rx.Component:
    return rx.table.row(
        cell("User", rx.text(row.username, weight="medium")),
        cell("Role", row.role),
        cell("Joined", row.joined),
        cell("Balance", row.balance),
        cell("Orders", row.orders),
        cell("Sessions", row.sessions),
        cell("Status", rx.badge(row.status, color_scheme=rx.cond(row.active, "green", "red"))),
        cell(
            "",
            rx.cond(
                row.active,
                rx.button(
                    "Disable " + row.username,
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.set_active(row.id, False),
                ),
                rx.button(
                    "Enable " + row.username,
                    size="1",
                    variant="soft",
                    on_click=S.set_active(row.id, True),
                ),
            ),
        ),
        align="center",
    )


def users_section() -> rx.Component:
    """Users with their balance, orders, live sessions and status."""
    return rx.vstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search users by name",
            aria_label="Search users",
            on_change=S.search_for.debounce(300),
            width="100%",
            max_width="360px",
        ),
        rx.cond(
            S.message != "",
            rx.callout(S.message, icon="check", color_scheme="green", width="100%"),
        ),
        form_error(S.error, error_id="admin-users-error"),
        data_table(
            ["User", "Role", "Joined", "Balance", "Orders", "Sessions", "Status", ""],
            S.rows,
            _row,
            size="1",
            empty="No users match.",
        ),
        spacing="4",
        width="100%",
    )
