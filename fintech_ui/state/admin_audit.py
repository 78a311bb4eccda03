"""Back office, audit log: the newest entries, searchable, and the whole log as CSV."""

from __future__ import annotations

import dataclasses

import reflex as rx

from fintech_ui.services import admin_audit
from fintech_ui.services.admin_access import NotAuthorized
from fintech_ui.state.admin import DENIED, admin_call, refused
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
class AdminAuditState(rx.State):
    """The audit log section."""

    search: str = ""
    rows: list[AuditLine] = []
    error: str = ""

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
    async def load(self):
        """The newest entries."""
        try:
            await self._refresh()
        except NotAuthorized:
            self.rows, self.error = [], DENIED

    @rx.event
    async def search_for(self, value):
        """Entries whose actor, action or target contain the text."""
        if not isinstance(value, str) or len(value) > 64:
            if await refused(self, "audit.search", value):
                self.rows, self.error = [], DENIED
            return
        self.search = value
        try:
            await self._refresh()
        except NotAuthorized:
            self.rows, self.error = [], DENIED

    @rx.event
    async def download_csv(self):
        """The whole log as CSV, built on a worker thread."""
        try:
            text = await admin_call(self, "audit.export", None, admin_audit.export)
        except NotAuthorized:
            self.rows, self.error = [], DENIED
            return None
        return rx.download(data=text, filename="fintech-audit-log.csv", mime_type="text/csv")
