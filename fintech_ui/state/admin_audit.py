"""Back office, audit log: the newest entries, searchable, and the whole log as CSV."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from fintech_ui.services import admin_audit
from fintech_ui.services.admin_access import NotAuthorized
from fintech_ui.state.admin import DENIED, AdminSearchSection, admin_call
from fintech_ui.state.session import private


@dataclasses.dataclass
class AuditLine:
    """One entry, as the table shows it."""

    id: int = 0
    when: str = ""
    actor: str = ""
    action: str = ""
    target: str = ""
    outcome: str = ""
    before: str = ""
    after: str = ""


@private(lambda state: state.reset())
class AdminAuditState(AdminSearchSection, rx.State):
    """The audit log section."""

    SEARCH_ACTION: ClassVar[str] = "audit.search"
    SEARCH_MAX: ClassVar[int] = 64

    rows: list[AuditLine] = []

    def _deny(self) -> None:
        self.rows, self.error = [], DENIED

    async def _refresh(self) -> None:
        views = await admin_call(
            self, "audit.list", None, admin_audit.list_entries, search=self.search
        )
        self.rows = [
            AuditLine(v.id, v.when, v.actor, v.action, v.target, v.outcome, v.before, v.after)
            for v in views
        ]
        self.error = ""

    @rx.event
    async def download_csv(self):
        """The whole log as CSV, built on a worker thread."""
        try:
            text = await admin_call(self, "audit.export", None, admin_audit.export)
        except NotAuthorized:
            self._deny()
            return None
        return rx.download(data=text, filename="fintech-audit-log.csv", mime_type="text/csv")
