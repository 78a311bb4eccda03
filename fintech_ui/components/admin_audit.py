"""Back office, audit log section: search, the newest entries and the CSV download."""

import reflex as rx

from fintech_ui.components.forms import form_error
from fintech_ui.components.table import cell, data_table
from fintech_ui.state.admin_audit import AdminAuditState as S
from fintech_ui.state.admin_audit import AuditLine


def _row(row: AuditLine) -> rx.Component:
    return rx.table.row(
        cell("When (UTC)", rx.text(row.when, size="1")),
        cell("Who", row.actor),
        cell("Action", row.action),
        cell("Target", row.target),
        cell(
            "Outcome",
            rx.badge(row.outcome, color_scheme=rx.cond(row.outcome == "done", "green", "red")),
        ),
        cell("Before", rx.code(row.before, size="1", style={"wordBreak": "break-all"})),
        cell("After", rx.code(row.after, size="1", style={"wordBreak": "break-all"})),
        align="center",
    )


def audit_section() -> rx.Component:
    """Who did what, when, with the values before and after."""
    return rx.vstack(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Search by user, action or target",
                aria_label="Search the audit log",
                on_change=S.search_for.debounce(300),
                width="100%",
                max_width="360px",
            ),
            rx.button(
                rx.icon("download", size=16),
                "Download CSV",
                variant="soft",
                on_click=S.download_csv,
            ),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        form_error(S.error, error_id="admin-audit-error"),
        data_table(
            ["When (UTC)", "Who", "Action", "Target", "Outcome", "Before", "After"],
            S.rows,
            _row,
            size="1",
            empty="No audit entries match.",
        ),
        spacing="4",
        width="100%",
    )
