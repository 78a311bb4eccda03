"""Back office, users: search, each with balance, orders, live sessions and status; disabling
ends the user's sessions at once (services/operators.set_account_active)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Account, AuthSession, Order, User
from fintech_ui.services import audit
from fintech_ui.services.admin_access import require_admin
from fintech_ui.services.operators import set_account_active

PAGE = 50


class SelfDisable(DomainError):
    """An administrator cannot lock themselves out."""


@dataclass(frozen=True)
class AdminUser:
    """A user as the back office lists them."""

    id: int
    username: str
    role: str
    is_active: bool
    created_at: int
    balance_cents: int
    orders: int
    sessions: int


def search_users(
    db: Session, *, actor_id: object, search: str = "", now: int
) -> tuple[AdminUser, ...]:
    """Users whose name contains `search` (all when empty), newest first, with their figures."""
    require_admin(db, actor_id=actor_id)
    orders = select(Order.user_id, func.count().label("n")).group_by(col(Order.user_id)).subquery()
    sessions = (
        select(AuthSession.user_id, func.count().label("n"))
        .where(col(AuthSession.revoked_at).is_(None), col(AuthSession.expires_at) > now)
        .group_by(col(AuthSession.user_id))
        .subquery()
    )
    columns: list[Any] = [
        col(User.id),
        User.username,
        User.role,
        User.is_active,
        User.created_at,
        func.coalesce(Account.balance_cents, 0),
        func.coalesce(orders.c.n, 0),
        func.coalesce(sessions.c.n, 0),
    ]
    query = (
        sa_select(*columns)
        .outerjoin(Account, col(Account.user_id) == User.id)
        .outerjoin(orders, orders.c.user_id == User.id)
        .outerjoin(sessions, sessions.c.user_id == User.id)
        .order_by(col(User.id).desc())
        .limit(PAGE)
    )
    needle = search.strip().casefold()[:64] if isinstance(search, str) else ""
    if needle:
        query = query.where(col(User.username_key).contains(needle, autoescape=True))
    return tuple(AdminUser(*row) for row in db.exec(query).all())  # type: ignore[call-overload]


def set_user_active(
    db: Session, *, actor_id: object, user_id: object, active: object, now: int
) -> AdminUser:
    """Enable, or disable (ending every session of) a user; audited."""
    admin = require_admin(db, actor_id=actor_id)
    if type(user_id) is not int or type(active) is not bool:
        raise DomainError("Choose a user from the list.")
    user = db.get(User, user_id)
    if user is None:
        raise DomainError("That user no longer exists.")
    if user.id == admin.id and not active:
        raise SelfDisable("You cannot disable your own account.")
    before = user.is_active
    set_account_active(db, username=user.username, active=active, now=now)
    audit.record(
        db,
        actor_id=admin.id,
        actor_name=admin.username,
        action="user.enable" if active else "user.disable",
        target=f"user:{user.username}",
        before={"is_active": before},
        after={"is_active": active},
        now=now,
    )
    found = [u for u in search_users(db, actor_id=actor_id, search=user.username, now=now)]
    return next(u for u in found if u.id == user.id)
