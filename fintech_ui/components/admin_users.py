"""Back office, users section: search and the Disable/Enable buttons."""

import reflex as rx

from fintech_ui.components.forms import form_error
from fintech_ui.state.admin_users import AdminUserRow
from fintech_ui.state.admin_users import AdminUsersState as S


def _row(row: AdminUserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.username, weight="medium")),
        rx.table.cell(row.role),
        rx.table.cell(row.joined),
        rx.table.cell(row.balance),
        rx.table.cell(row.orders),
        rx.table.cell(row.sessions),
        rx.table.cell(rx.badge(row.status, color_scheme=rx.cond(row.active, "green", "red"))),
        rx.table.cell(
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
            )
        ),
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
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in (
                                "User",
                                "Role",
                                "Joined",
                                "Balance",
                                "Orders",
                                "Sessions",
                                "Status",
                                "",
                            )
                        ]
                    )
                ),
                rx.table.body(rx.foreach(S.rows, _row)),
                variant="surface",
                size="1",
                width="100%",
            ),
            width="100%",
            overflow_x="auto",
        ),
        spacing="4",
        width="100%",
    )
