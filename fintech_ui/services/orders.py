"""Checkout: one transaction that moves stock, money, the order and the ledger together."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Item, Order, OrderLine
from fintech_ui.money import format_cents
from fintech_ui.services import cart as carts
from fintech_ui.services.ids import stored_id
from fintech_ui.services.ledger import balance_cents, debit_for_order

MAX_KEY_CHARS = 64


class CheckoutError(DomainError):
    """Checkout refused; nothing changed. The message is safe to show."""


class PricesChanged(CheckoutError):
    """A price moved since the shopper saw it: they must confirm the new total."""


CART_CHANGED = "Your cart changed in another window; please review it."


class CartChanged(CheckoutError):
    """The cart is not the one the buyer was shown (another tab or the API changed it)."""


class KeyReused(CheckoutError):
    """The idempotency key was already used for a different purchase."""


@dataclass(frozen=True)
class OrderLineView:
    """One product of an order, at the price paid."""

    item_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


@dataclass(frozen=True)
class OrderView:
    """An order with its lines, as shown to its owner."""

    id: int
    user_id: int
    created_at: int
    total_cents: int
    idempotency_key: str
    lines: tuple[OrderLineView, ...]


def _order_view(order: Order, lines: list[OrderLine]) -> OrderView:
    return OrderView(
        id=order.id or 0,
        user_id=order.user_id,
        created_at=order.created_at,
        total_cents=order.total_cents,
        idempotency_key=order.idempotency_key,
        lines=tuple(
            OrderLineView(
                item_id=line.item_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                line_total_cents=line.line_total_cents,
            )
            for line in lines
        ),
    )


def _fingerprint(item_id: int | None, lines: list[carts.LineView]) -> str:
    parts = [item_id, sorted((ln.item_id, ln.quantity, ln.unit_price_cents) for ln in lines)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def check_key(key: object) -> str:
    """An idempotency key: 8 to 64 printable ASCII characters."""
    if not isinstance(key, str) or not 8 <= len(key) <= MAX_KEY_CHARS:
        raise CheckoutError("Missing or malformed idempotency key.")
    if not all(33 <= ord(ch) < 127 for ch in key):
        raise CheckoutError("Missing or malformed idempotency key.")
    return key


def _selection(db: Session, user_id: int, item_id: int | None) -> list[carts.LineView]:
    lines = carts.lines(db, carts.CartOwner(user_id=user_id))
    if item_id is not None:
        lines = [line for line in lines if line.item_id == item_id]
    return lines


def _replay(db: Session, existing: Order, item_id: int | None, user_id: int) -> Order:
    # A retry after success finds the bought lines gone; anything else with the same key is
    # a different purchase and must not be answered with the old order.
    same_request = (
        _fingerprint(item_id, _bought_lines(db, existing)) == existing.request_fingerprint
    )
    lines = _selection(db, user_id, item_id)
    if same_request and (not lines or _fingerprint(item_id, lines) == existing.request_fingerprint):
        return existing
    raise KeyReused("This checkout request was already used for a different purchase.")


def _bought_lines(db: Session, order: Order) -> list[carts.LineView]:
    rows = _lines_of(db, order.id or 0)
    return [
        carts.LineView(
            item_id=row.item_id,
            sku=row.sku,
            name=row.name,
            category="",
            quantity=row.quantity,
            unit_price_cents=row.unit_price_cents,
            seen_price_cents=row.unit_price_cents,
            stock=0,
            available=True,
        )
        for row in rows
    ]


def _find_by_key(db: Session, user_id: int, key: str) -> Order | None:
    return db.exec(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    ).first()


def place_order(
    db: Session,
    *,
    user_id: int,
    idempotency_key: object,
    item_id: object = None,
    now: int,
    cart_version: object = None,
) -> Order:
    """Buy the whole cart, or only the line of `item_id`; all of it happens or none.

    With `cart_version` (the version of the cart the buyer was shown) the cart must still be
    that one: CartChanged otherwise, so no one pays for lines or quantities never on screen.
    """
    key = check_key(idempotency_key)
    if item_id is not None and (type(item_id) is not int or not 0 < item_id < 2**31):
        raise CheckoutError("That product is not in your cart.")
    # Checkouts of one cart run one at a time: a second tab (or a twin request) waits here
    # and then sees the first one's result instead of the cart as it was.
    carts.lock_cart(db, carts.CartOwner(user_id=user_id))
    existing = _find_by_key(db, user_id, key)
    if existing is not None:
        return _replay(db, existing, item_id, user_id)
    if cart_version is not None and (
        type(cart_version) is not str
        or carts.view(db, carts.CartOwner(user_id=user_id)).version != cart_version
    ):
        raise CartChanged(CART_CHANGED)
    lines = _selection(db, user_id, item_id)
    if not lines:
        raise CheckoutError(
            "Your cart is empty." if item_id is None else "That product is not in your cart."
        )
    for line in lines:
        if not line.available:
            raise CheckoutError(f"{line.name} is no longer available. Remove it to continue.")
        if line.quantity > line.stock:
            raise CheckoutError(f"Not enough stock: only {line.stock} units of {line.name} left.")
    if any(line.price_changed for line in lines):
        raise PricesChanged("Prices changed since you added these products. Confirm the new total.")
    total = sum(line.line_total_cents for line in lines)
    balance = balance_cents(db, user_id=user_id)
    if balance < total:
        raise CheckoutError(
            f"Not enough money: the total is {format_cents(total)} "
            f"but your balance is {format_cents(balance)}."
        )

    order = Order(
        user_id=user_id,
        idempotency_key=key,
        request_fingerprint=_fingerprint(item_id, lines),
        total_cents=total,
        created_at=now,
    )
    db.add(order)
    db.flush()  # claims the idempotency key; a concurrent twin fails here
    order_id = stored_id(order)
    # Conditional updates in item order: another buyer may have taken the stock (or changed
    # the price) since we read it, and a fixed order avoids deadlocks between buyers.
    for line in sorted(lines, key=lambda ln: ln.item_id):
        taken = db.exec(
            update(Item)
            .where(
                col(Item.id) == line.item_id,
                col(Item.stock) >= line.quantity,
                col(Item.price_cents) == line.unit_price_cents,
                col(Item.is_active).is_(True),
            )
            .values(stock=Item.stock - line.quantity)
        )
        if taken.rowcount != 1:
            raise CheckoutError(f"Not enough stock of {line.name} any more. Review your cart.")
        db.add(
            OrderLine(
                order_id=order_id,
                item_id=line.item_id,
                sku=line.sku,
                name=line.name,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                line_total_cents=line.line_total_cents,
            )
        )
    if debit_for_order(db, user_id=user_id, amount_cents=total, order_id=order_id, now=now) is None:
        raise CheckoutError(
            f"Not enough money: the total is {format_cents(total)} "
            f"but your balance is {format_cents(balance_cents(db, user_id=user_id))}."
        )
    carts.remove_lines(db, carts.CartOwner(user_id=user_id), [line.item_id for line in lines])
    db.flush()
    return order


def checkout_or_replay(
    db: Session,
    *,
    user_id: int,
    idempotency_key: object,
    item_id: object = None,
    now: int,
    cart_version: object = None,
) -> OrderView:
    """Buy the cart (or one line) once per key; a retry or a concurrent twin gets its order.

    A twin with the same key (double click, retried request) may commit while we run: we
    then fail on the key's unique index, or, on PostgreSQL, find the cart already bought or
    the money already spent. place_order runs in a SAVEPOINT, so after such a failure this
    transaction is still usable to look the twin's order up by its key.
    """
    key = check_key(idempotency_key)
    try:
        with db.begin_nested():
            order = place_order(
                db,
                user_id=user_id,
                idempotency_key=key,
                item_id=item_id,
                now=now,
                cart_version=cart_version,
            )
    except (IntegrityError, CheckoutError) as exc:
        if isinstance(exc, (KeyReused, PricesChanged, CartChanged)):
            raise
        existing = _find_by_key(db, user_id, key)
        if existing is None:
            raise
        order = _replay(db, existing, item_id if type(item_id) is int else None, user_id)
    return _order_view(order, _lines_of(db, order.id or 0))


def checkout(
    scope: Callable[[], AbstractContextManager[Session]],
    *,
    user_id: int,
    idempotency_key: object,
    item_id: object = None,
    now: int,
) -> OrderView:
    """checkout_or_replay in a transaction of its own from `scope` (tests, workers)."""
    with scope() as db:
        return checkout_or_replay(
            db, user_id=user_id, idempotency_key=idempotency_key, item_id=item_id, now=now
        )


def _lines_of(db: Session, order_id: int) -> list[OrderLine]:
    return list(db.exec(select(OrderLine).where(OrderLine.order_id == order_id)).all())


def list_orders(db: Session, *, user_id: int, limit: int = 200) -> list[OrderView]:
    """The user's orders, newest first, each with its lines."""
    orders = db.exec(
        select(Order).where(Order.user_id == user_id).order_by(col(Order.id).desc()).limit(limit)
    ).all()
    if not orders:
        return []
    all_lines = db.exec(
        select(OrderLine).where(col(OrderLine.order_id).in_([o.id for o in orders]))
    ).all()
    by_order: dict[int, list[OrderLine]] = {}
    for line in all_lines:
        by_order.setdefault(line.order_id, []).append(line)
    return [_order_view(o, by_order.get(o.id or 0, [])) for o in orders]


def get_order(db: Session, *, user_id: int, order_id: object) -> OrderView | None:
    """One of the user's own orders; another user's order is as absent as a missing one."""
    if type(order_id) is not int or not 0 < order_id < 2**31:
        return None
    order = db.get(Order, order_id)
    if order is None or order.user_id != user_id:
        return None
    return _order_view(order, _lines_of(db, order.id or 0))
