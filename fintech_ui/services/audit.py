"""The audit log: every back-office action and refused attempt, append-only.

Rows are only ever inserted here; nothing in the app updates or deletes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from sqlalchemy import insert, or_
from sqlmodel import Session, col, select

from fintech_ui.models import AuditEntry

MAX_JSON = 4000
PAGE = 100
CSV_LIMIT = 100_000


def _json(value: object) -> str:
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)
    return text if len(text) <= MAX_JSON else text[: MAX_JSON - 1] + "…"


def record(
    db: Session,
    *,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target: str,
    before: object,
    after: object,
    now: int,
    outcome: str = "done",
) -> None:
    """Append one entry, in the caller's transaction: it stands or falls with the action."""
    db.exec(
        insert(AuditEntry).values(
            at=now,
            actor_id=actor_id,
            actor_name=actor_name[:32],
            action=action[:64],
            target=target[:160],
            outcome=outcome,
            before_json=_json(before),
            after_json=_json(after),
        )
    )


@dataclass(frozen=True)
class AuditRow:
    """One entry as the back office lists it."""

    id: int
    at: int
    when: str
    actor: str
    action: str
    target: str
    outcome: str
    before: str
    after: str


def _when(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _rows(db: Session, *, search: str, limit: int) -> tuple[AuditRow, ...]:
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    needle = search.strip().lower()[:64]
    if needle:
        like = f"%{needle}%"
        query = query.where(
            or_(
                col(AuditEntry.actor_name).ilike(like),
                col(AuditEntry.action).ilike(like),
                col(AuditEntry.target).ilike(like),
            )
        )
    return tuple(
        AuditRow(
            id=row.id or 0,
            at=row.at,
            when=_when(row.at),
            actor=row.actor_name,
            action=row.action,
            target=row.target,
            outcome=row.outcome,
            before=row.before_json,
            after=row.after_json,
        )
        for row in db.exec(query).all()
    )


def entries(db: Session, *, search: str = "", limit: int = PAGE) -> tuple[AuditRow, ...]:
    """The newest entries, optionally those whose actor, action or target contain `search`."""
    return _rows(db, search=search, limit=limit)


def export_csv(db: Session) -> str:
    """The whole log (newest first, up to CSV_LIMIT rows) as CSV, built off the event loop."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "when_utc", "actor", "action", "target", "outcome", "before", "after"])
    for row in _rows(db, search="", limit=CSV_LIMIT):
        cells = [row.id, row.when, row.actor, row.action, row.target, row.outcome]
        cells += [row.before, row.after]
        # a cell starting with = + - @ would run as a formula in a spreadsheet
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in cells])
    return out.getvalue()
