"""Who may use the back office: the role read from the database on every admin call.

A stale var, an old page or a token minted before a revoke-admin must not keep the door
open, so every admin use case starts with `require_admin`, in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import ROLES, User
from fintech_ui.security import normalize_username, username_key
from fintech_ui.services import audit
from fintech_ui.services.operators import UnknownUser

ADMIN = "admin"
CUSTOMER = "customer"


class NotAuthorized(DomainError):
    """The caller is not an active administrator; nothing changed."""

    def __init__(self) -> None:
        super().__init__("Only an administrator can do that.")


@dataclass(frozen=True)
class AdminView:
    """The administrator acting, as the audit log names them."""

    id: int
    username: str


def require_admin(db: Session, *, actor_id: object) -> AdminView:
    """The acting administrator, re-read now; NotAuthorized for anyone else."""
    if type(actor_id) is not int:
        raise NotAuthorized()
    row = db.exec(
        select(col(User.id), User.username, User.role, User.is_active).where(
            col(User.id) == actor_id
        )
    ).first()
    if row is None or row[2] != ADMIN or not row[3]:
        raise NotAuthorized()
    return AdminView(id=int(actor_id), username=row[1])


def is_admin(db: Session, *, user_id: int) -> bool:
    """Whether the navigation shows the Admin link (the back office checks again itself)."""
    row = db.exec(select(User.role, User.is_active).where(User.id == user_id)).first()
    return row is not None and row[0] == ADMIN and bool(row[1])


def set_role(db: Session, *, username: object, role: str, now: int) -> str:
    """Make a user an administrator or a customer again (the CLI); their display name."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    key = username_key(normalize_username(username))
    user = db.exec(select(User).where(User.username_key == key)).first()
    if user is None or user.id is None:
        raise UnknownUser(f"no such user: {username}")
    before = user.role
    user.role = role
    db.add(user)
    audit.record(
        db,
        actor_id=None,
        actor_name="cli",
        action="user.role",
        target=f"user:{user.username}",
        before={"role": before},
        after={"role": role},
        now=now,
    )
    return user.username


def record_denied(
    db: Session, *, actor_id: int | None, action: str, payload: object, now: int
) -> None:
    """Log a refused back-office attempt (a customer or visitor calling an admin handler)."""
    name = "visitor"
    if actor_id is not None:
        name = db.exec(select(User.username).where(User.id == actor_id)).first() or "unknown"
    audit.record(
        db,
        actor_id=actor_id,
        actor_name=name,
        action=action[:64],
        target="",
        before=None,
        after={"payload": payload},
        now=now,
        outcome="denied",
    )
