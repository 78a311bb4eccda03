"""Back office, orders: every order, filtered by date, user and product, and one in detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Order, OrderLine, User
from fintech_ui.services.admin_access import require_admin
from fintech_ui.services.orders import OrderLineView

PAGE = 50
DAY = 86_400


class FilterInvalid(DomainError):
    """A filter could not be read; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AdminOrder:
    """An order in the back office's list."""

    id: int
    username: str
    created_at: int
    when: str
    total_cents: int
    lines: int


@dataclass(frozen=True)
class AdminOrderDetail:
    """One order with its lines and buyer."""

    id: int
    username: str
    created_at: int
    when: str
    total_cents: int
    idempotency_key: str
    lines: tuple[OrderLineView, ...]


def _when(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _day(text: object, field: str) -> int | None:
    if text in (None, ""):
        return None
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise FilterInvalid(field, "Enter a date as YYYY-MM-DD.") from None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def search_orders(
    db: Session,
    *,
    actor_id: object,
    date_from: object = "",
    date_to: object = "",
    username: object = "",
    product: object = "",
    page: object = 1,
) -> tuple[AdminOrder, ...]:
    """Orders newest first, from/to a day (inclusive, UTC), by a user, containing a product."""
    require_admin(db, actor_id=actor_id)
    start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
    for name, value in (("username", username), ("product", product)):
        if not isinstance(value, str) or len(value) > 120:
            raise FilterInvalid(name, "Enter at most 120 characters.")
    assert isinstance(username, str) and isinstance(product, str)
    query = (
        select(col(Order.id), User.username, Order.created_at, Order.total_cents)
        .join(User, col(User.id) == Order.user_id)
        .order_by(col(Order.id).desc())
    )
    if start is not None:
        query = query.where(col(Order.created_at) >= start)
    if end is not None:
        query = query.where(col(Order.created_at) < end + DAY)
    if username.strip():
        query = query.where(
            col(User.username_key).contains(username.strip().casefold(), autoescape=True)
        )
    if product.strip():
        needle = product.strip().lower()
        query = query.where(
            exists().where(
                col(OrderLine.order_id) == Order.id,
                (col(OrderLine.sku).ilike(needle)) | (col(OrderLine.name).ilike(f"%{needle}%")),
            )
        )
    number = page if type(page) is int and 1 <= page <= 10_000 else 1
    rows = db.exec(query.offset((number - 1) * PAGE).limit(PAGE)).all()
    counts: dict[int, int] = {}
    ids = [row[0] for row in rows]
    if ids:
        for order_id in db.exec(select(OrderLine.order_id).where(col(OrderLine.order_id).in_(ids))):
            counts[order_id] = counts.get(order_id, 0) + 1
    return tuple(
        AdminOrder(
            id=int(i or 0),
            username=u,
            created_at=c,
            when=_when(c),
            total_cents=t,
            lines=counts.get(int(i or 0), 0),
        )
        for i, u, c, t in rows
    )


def order_detail(db: Session, *, actor_id: object, order_id: object) -> AdminOrderDetail:
    """One order with its lines."""
    require_admin(db, actor_id=actor_id)
    row = (
        db.exec(
            select(Order, User.username)
            .join(User, col(User.id) == Order.user_id)
            .where(col(Order.id) == order_id)
        ).first()
        if type(order_id) is int
        else None
    )
    if row is None:
        raise DomainError("No such order.")
    order, username = row
    lines = db.exec(select(OrderLine).where(col(OrderLine.order_id) == order.id)).all()
    return AdminOrderDetail(
        id=order.id or 0,
        username=username,
        created_at=order.created_at,
        when=_when(order.created_at),
        total_cents=order.total_cents,
        idempotency_key=order.idempotency_key,
        lines=tuple(
            OrderLineView(
                line.item_id,
                line.sku,
                line.name,
                line.quantity,
                line.unit_price_cents,
                line.line_total_cents,
            )
            for line in lines
        ),
    )
