"""What changed since the last look, for the live updates of open tabs (state/live.py).

Products: the operators' use cases append to `live_changes`; each worker reads the rows after
the last id it saw. A user's cart and balance: a cheap mark per user (cart lines, units, the
prices seen, the cart's time, and the balance); a different mark means another tab changed it.
Both are indexed reads of a few rows, made every half second by each worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from fintech_ui.models import Account, Cart, CartLine, LiveChange

KEEP_SECONDS = 3_600  # older feed rows are pruned: every worker has read them long ago


@dataclass(frozen=True)
class Feed:
    """The products changed after `after_id`, the new last id, and each user's mark."""

    last_id: int
    item_ids: tuple[int, ...]
    marks: dict[int, tuple[int, ...]]


def latest_id(db: Session) -> int:
    """Where a worker starts reading: changes before its start are already in every page."""
    return int(db.exec(select(func.coalesce(func.max(col(LiveChange.id)), 0))).one() or 0)


def poll(db: Session, *, after_id: int, user_ids: list[int]) -> Feed:
    """Products changed after `after_id`, and the cart/balance mark of each of `user_ids`."""
    rows = db.exec(
        select(LiveChange.id, LiveChange.item_id)
        .where(col(LiveChange.id) > after_id)
        .order_by(col(LiveChange.id))
        .limit(1000)
    ).all()
    last_id = rows[-1][0] if rows else after_id
    marks: dict[int, tuple[int, ...]] = {}
    if user_ids:
        columns: list[Any] = [
            Cart.user_id,
            Cart.updated_at,
            func.count(col(CartLine.item_id)),
            func.coalesce(func.sum(CartLine.quantity), 0),
            func.coalesce(func.sum(CartLine.seen_price_cents), 0),
        ]
        carts = db.exec(  # type: ignore[call-overload]
            sa_select(*columns)
            .outerjoin(CartLine, col(CartLine.cart_id) == Cart.id)
            .where(col(Cart.user_id).in_(user_ids))
            .group_by(col(Cart.id))
        ).all()
        balances = dict(
            db.exec(
                select(Account.user_id, Account.balance_cents).where(
                    col(Account.user_id).in_(user_ids)
                )
            ).all()
        )
        by_user = {row[0]: tuple(int(v) for v in row[1:]) for row in carts}
        for user_id in user_ids:
            marks[user_id] = (*by_user.get(user_id, (0, 0, 0, 0)), balances.get(user_id, 0))
    return Feed(last_id=int(last_id or 0), item_ids=tuple({r[1] for r in rows}), marks=marks)


def prune(db: Session, *, now: int) -> int:
    """Drop feed rows older than KEEP_SECONDS; how many."""
    result = db.exec(delete(LiveChange).where(col(LiveChange.at) < now - KEEP_SECONDS))
    return int(result.rowcount or 0)
