"""Back office, audit log: reading it (list and CSV), for administrators only."""

from __future__ import annotations

from sqlmodel import Session

from fintech_ui.services import audit
from fintech_ui.services.admin_access import require_admin


def list_entries(
    db: Session, *, actor_id: object, search: object = ""
) -> tuple[audit.AuditRow, ...]:
    """The newest entries whose actor, action or target contain `search`."""
    require_admin(db, actor_id=actor_id)
    return audit.entries(db, search=search if isinstance(search, str) else "")


def export(db: Session, *, actor_id: object) -> str:
    """The whole log as CSV."""
    require_admin(db, actor_id=actor_id)
    return audit.export_csv(db)
