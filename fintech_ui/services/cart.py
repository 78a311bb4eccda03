"""Carts and their rules. Prices always come from the items table, never from the browser."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from fintech_ui.durability import money_free
from fintech_ui.errors import DomainError
from fintech_ui.models import Cart, CartLine, Item
from fintech_ui.services.catalogue import get_active_item
from fintech_ui.services.ids import stored_id
from fintech_ui.services.prepared import Prepared

MAX_QUANTITY = 50
MAX_LINES = 100


class CartError(DomainError):
    """A cart change that breaks a rule; the message is safe to show."""


@dataclass(frozen=True)
class CartOwner:
    """Exactly one of: a logged-in user, or a visitor's random token."""

    user_id: int | None = None
    visitor_token: str | None = None


@dataclass(frozen=True)
class LineView:
    """A cart line as shown: the current price, and the one seen when it was added."""

    item_id: int
    sku: str
    name: str
    category: str
    quantity: int
    unit_price_cents: int
    seen_price_cents: int
    stock: int
    available: bool

    @property
    def line_total_cents(self) -> int:
        """Quantity times the current unit price."""
        return self.quantity * self.unit_price_cents

    @property
    def price_changed(self) -> bool:
        """The price moved since the shopper last saw it."""
        return self.unit_price_cents != self.seen_price_cents


@dataclass(frozen=True)
class CartSummary:
    """What every cart change answers with: the lines, their totals and a version.

    `version` is a short digest of the lines, quantities and prices (current and seen): it
    changes with any of them and with nothing else, so a client can tell that the cart it
    shows is out of date.
    """

    lines: tuple[LineView, ...]
    total_cents: int
    count: int
    prices_changed: bool
    version: str


def summarize(lines: list[LineView] | tuple[LineView, ...]) -> CartSummary:
    """The one place a cart's total, count, price flag and version are computed."""
    state = sorted(
        (ln.item_id, ln.quantity, ln.unit_price_cents, ln.seen_price_cents) for ln in lines
    )
    return CartSummary(
        lines=tuple(lines),
        total_cents=sum(line.line_total_cents for line in lines),
        count=sum(line.quantity for line in lines),
        prices_changed=any(line.price_changed for line in lines),
        version=hashlib.sha256(json.dumps(state).encode()).hexdigest()[:12],
    )


def new_visitor_token() -> str:
    """A random, unguessable name for a visitor's cart."""
    return secrets.token_urlsafe(32)


def valid_visitor_token(token: object) -> TypeGuard[str]:
    """True for a token shaped like new_visitor_token's."""
    return (
        isinstance(token, str)
        and len(token) == 43
        and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token)
    )


def check_quantity(quantity: object) -> int:
    """A whole number of units from 1 to MAX_QUANTITY (booleans and floats refused)."""
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        raise CartError(f"Quantity must be a whole number from 1 to {MAX_QUANTITY}.")
    return quantity


def _owner_filter(owner: CartOwner):
    if owner.user_id is not None:
        return col(Cart.user_id) == owner.user_id
    if owner.visitor_token is not None and valid_visitor_token(owner.visitor_token):
        return col(Cart.visitor_token) == owner.visitor_token
    raise CartError("Your cart could not be found. Reload the page.")


def _find_cart(db: Session, owner: CartOwner) -> Cart | None:
    # Every caller goes on to change the cart: lock its row (FOR UPDATE on PostgreSQL; SQLite
    # writers already hold the database lock) so that two tabs changing or buying the same
    # cart take turns instead of both acting on what they read.
    return db.exec(select(Cart).where(_owner_filter(owner)).with_for_update()).first()


def lock_cart(db: Session, owner: CartOwner) -> None:
    """Hold the cart's row until the transaction ends (checkout of this cart runs alone)."""
    _find_cart(db, owner)


def _cart_for_update(db: Session, owner: CartOwner, now: int) -> Cart:
    cart = _find_cart(db, owner)
    if cart is None:
        cart = Cart(user_id=owner.user_id, visitor_token=owner.visitor_token, updated_at=now)
        try:
            with db.begin_nested():  # a concurrent first add may create it first
                db.add(cart)
                db.flush()
        except IntegrityError:
            cart = _find_cart(db, owner)
            if cart is None:
                raise
    cart.updated_at = now
    db.add(cart)
    return cart


def _item_for_cart(db: Session, item_id: object) -> Item:
    if type(item_id) is not int:
        raise CartError("That product does not exist.")
    item = get_active_item(db, item_id)
    if item is None:
        raise CartError("That product is not available.")
    return item


def _check_stock(item: Item, quantity: int) -> None:
    if quantity > MAX_QUANTITY:
        raise CartError(f"At most {MAX_QUANTITY} units of {item.name} per order.")
    if quantity > item.stock:
        raise CartError(
            f"Only {item.stock} units of {item.name} are in stock."
            if item.stock
            else f"{item.name} is out of stock."
        )


def add_item(db: Session, owner: CartOwner, *, item_id: object, quantity: object, now: int) -> None:
    """Put `quantity` more units of a product in the cart."""
    quantity = check_quantity(quantity)
    item = _item_for_cart(db, item_id)
    cart = _cart_for_update(db, owner, now)
    line = db.get(CartLine, (cart.id, item.id))
    if line is None:
        count = len(db.exec(select(CartLine.item_id).where(CartLine.cart_id == cart.id)).all())
        if count >= MAX_LINES:
            raise CartError(f"A cart holds at most {MAX_LINES} different products.")
        _check_stock(item, quantity)
        db.add(
            CartLine(
                cart_id=stored_id(cart),
                item_id=stored_id(item),
                quantity=quantity,
                seen_price_cents=item.price_cents,
                added_at=now,
            )
        )
        return
    _check_stock(item, line.quantity + quantity)
    line.quantity += quantity
    db.add(line)


def set_line_quantity(
    db: Session, owner: CartOwner, *, item_id: object, quantity: object, now: int
) -> None:
    """Set a line's quantity (1 to the limit); the line must already be in the cart."""
    quantity = check_quantity(quantity)
    if type(item_id) is not int or not 0 < item_id < 2**31:
        raise CartError("That product does not exist.")
    cart = _find_cart(db, owner)
    line = db.get(CartLine, (cart.id, item_id)) if cart is not None else None
    if cart is None or line is None:
        raise CartError("That product is not in your cart.")
    if quantity > line.quantity:  # lowering is always allowed, even for a withdrawn product
        _check_stock(_item_for_cart(db, item_id), quantity)
    line.quantity = quantity
    db.add(line)
    cart.updated_at = now
    db.add(cart)


def decrease_quantity(db: Session, owner: CartOwner, *, item_id: object, now: int) -> None:
    """One unit fewer; a line at one unit is removed."""
    current = next((ln for ln in lines(db, owner) if ln.item_id == item_id), None)
    if current is None or type(item_id) is not int:
        raise CartError("That product is not in your cart.")
    if current.quantity <= 1:
        remove_item(db, owner, item_id=item_id, now=now)
    else:
        set_line_quantity(db, owner, item_id=item_id, quantity=current.quantity - 1, now=now)


def remove_item(db: Session, owner: CartOwner, *, item_id: object, now: int) -> None:
    """Take a product out of the cart (also one that is no longer on sale)."""
    if type(item_id) is not int or not 0 < item_id < 2**31:
        raise CartError("That product does not exist.")
    cart = _find_cart(db, owner)
    if cart is None:
        raise CartError("That product is not in your cart.")
    removed = db.exec(
        delete(CartLine).where(col(CartLine.cart_id) == cart.id, col(CartLine.item_id) == item_id)
    )
    if removed.rowcount != 1:
        raise CartError("That product is not in your cart.")
    cart.updated_at = now
    db.add(cart)


def lines(db: Session, owner: CartOwner) -> list[LineView]:
    """The cart's lines in the order they were added, priced from the catalogue."""
    try:
        column, value = _owner_key(owner)
    except CartError:
        return []
    statement = _LINES_OF_CART.join_from(
        _LINE_TABLE, _CART_TABLE, _CARTS.id == _LINES.cart_id
    ).where(column == value)
    return _line_views(_core(db).execute(statement).all())


def accept_current_prices(
    db: Session, owner: CartOwner, *, now: int, shown: dict[int, int] | None = None
) -> None:
    """The shopper has seen the new prices: remember them as seen.

    With `shown` (item id -> price on the shopper's screen), a price that moved again since
    the screen was drawn is not accepted unseen: CartError asks to review the cart.
    """
    cart = _find_cart(db, owner)
    if cart is None:
        return
    for line in lines(db, owner):
        if not line.price_changed:
            continue
        if shown is not None and shown.get(line.item_id) != line.unit_price_cents:
            raise CartError(f"The price of {line.name} changed again. Review your cart.")
        db.exec(
            update(CartLine)
            .where(col(CartLine.cart_id) == cart.id, col(CartLine.item_id) == line.item_id)
            .values(seen_price_cents=line.unit_price_cents)
        )
    cart.updated_at = now
    db.add(cart)


def merge_visitor_cart(db: Session, *, visitor_token: object, user_id: int, now: int) -> None:
    """Move a visitor's cart into the user's at login: quantities add up, limits still apply."""
    if not valid_visitor_token(visitor_token):
        return
    visitor = _find_cart(db, CartOwner(visitor_token=visitor_token))
    if visitor is None:
        return
    owner = CartOwner(user_id=user_id)
    target = _cart_for_update(db, owner, now)
    for line in lines(db, CartOwner(visitor_token=visitor_token)):
        existing = db.get(CartLine, (target.id, line.item_id))
        if existing is None:
            count = len(
                db.exec(select(CartLine.item_id).where(CartLine.cart_id == target.id)).all()
            )
            if count >= MAX_LINES or not line.available or line.stock < 1:
                continue
            db.add(
                CartLine(
                    cart_id=stored_id(target),
                    item_id=line.item_id,
                    quantity=min(line.quantity, line.stock, MAX_QUANTITY),
                    seen_price_cents=line.seen_price_cents,
                    added_at=now,
                )
            )
        else:
            existing.quantity = max(
                existing.quantity, min(existing.quantity + line.quantity, line.stock, MAX_QUANTITY)
            )
            db.add(existing)
    db.flush()
    db.delete(visitor)


def remove_lines(db: Session, owner: CartOwner, item_ids: list[int]) -> None:
    """Drop bought lines after checkout."""
    cart = _find_cart(db, owner)
    if cart is not None and item_ids:
        db.exec(
            delete(CartLine).where(
                col(CartLine.cart_id) == cart.id, col(CartLine.item_id).in_(item_ids)
            )
        )


# --- use cases: one per shopper action, each answering with the cart as it now is --------


def view(db: Session, owner: CartOwner | None) -> CartSummary:
    """The cart as the database has it (no owner yet: an empty cart)."""
    return summarize(lines(db, owner) if owner is not None else [])


@money_free
def add(
    db: Session, owner: CartOwner, *, item_id: object, quantity: object, now: int
) -> CartSummary:
    """Put more units of a product in the cart (the hot path: a handful of Core statements)."""
    quantity = check_quantity(quantity)
    if type(item_id) is not int or not 0 < item_id < 2**31:
        raise CartError("That product does not exist.")
    cart_id = _touch_cart(db, owner, now)
    _add_line(db, cart_id, item_id=item_id, quantity=quantity, now=now)
    return summarize(_lines_of_cart(db, cart_id))


def set_quantity(
    db: Session, owner: CartOwner, *, item_id: object, quantity: object, now: int
) -> CartSummary:
    """Set a line's quantity (1 to the limit); the line must already be in the cart."""
    set_line_quantity(db, owner, item_id=item_id, quantity=quantity, now=now)
    return view(db, owner)


def decrease(db: Session, owner: CartOwner, *, item_id: object, now: int) -> CartSummary:
    """One unit fewer; a line at one unit goes."""
    decrease_quantity(db, owner, item_id=item_id, now=now)
    return view(db, owner)


def remove(db: Session, owner: CartOwner, *, item_id: object, now: int) -> CartSummary:
    """Take a product out of the cart."""
    remove_item(db, owner, item_id=item_id, now=now)
    return view(db, owner)


def accept_prices(
    db: Session, owner: CartOwner, *, now: int, shown: dict[int, int] | None = None
) -> CartSummary:
    """Confirm the changed prices (those on the shopper's screen, when given)."""
    accept_current_prices(db, owner, now=now, shown=shown)
    return view(db, owner)


# --- the add's hot path in SQLAlchemy Core: one indexed statement per step, no ORM objects --

_CART_TABLE = SQLModel.metadata.tables[Cart.__tablename__]  # typed Tables for Core statements
_LINE_TABLE = SQLModel.metadata.tables[CartLine.__tablename__]
_ITEM_TABLE = SQLModel.metadata.tables[Item.__tablename__]
_CARTS = _CART_TABLE.c
_LINES = _LINE_TABLE.c
_ITEMS = _ITEM_TABLE.c


def _core(db: Session, *, writes: bool = False):
    # Core statements bypass the ORM's autoflush and identity map: write out what the ORM
    # holds first and, before Core writes, forget it, so both see the same rows.
    db.flush()
    if writes:
        db.expire_all()
    return db.connection()


def _touch_cart(db: Session, owner: CartOwner, now: int) -> int:
    # Touching the row both locks it (two tabs changing one cart take turns) and names it;
    # the cart is created at its first change.
    conn = _core(db, writes=True)
    owner_column, owner_value = _owner_key(owner)
    touch = _TOUCH_BY_USER if owner_column is _CARTS.user_id else _TOUCH_BY_VISITOR
    params = {"owner": owner_value, "now": now}
    found = touch.first(conn, params)
    if found is not None:
        return found[0]
    try:
        with db.begin_nested():  # a concurrent first change may create it first
            return conn.execute(
                insert(_CART_TABLE)
                .values({owner_column.name: owner_value, "updated_at": now})
                .returning(_CARTS.id)
            ).scalar_one()
    except IntegrityError:
        found = touch.first(conn, params)
        assert found is not None  # the concurrent change created it
        return found[0]


def _touch(owner_column) -> Prepared:
    return Prepared(
        update(_CART_TABLE)
        .where(owner_column == bindparam("owner"))
        .values(updated_at=bindparam("now"))
        .returning(_CARTS.id)
    )


_TOUCH_BY_USER = _touch(_CARTS.user_id)
_TOUCH_BY_VISITOR = _touch(_CARTS.visitor_token)


def _owner_key(owner: CartOwner):
    if owner.user_id is not None:
        return _CARTS.user_id, owner.user_id
    if owner.visitor_token is not None and valid_visitor_token(owner.visitor_token):
        return _CARTS.visitor_token, owner.visitor_token
    raise CartError("Your cart could not be found. Reload the page.")


_ITEM_AND_LINE = Prepared(
    core_select(
        _ITEMS.name,
        _ITEMS.price_cents,
        _ITEMS.stock,
        core_select(_LINES.quantity)
        .where(_LINES.cart_id == bindparam("cart_id"), _LINES.item_id == _ITEMS.id)
        .scalar_subquery(),
        core_select(func.count())
        .select_from(_LINE_TABLE)
        .where(_LINES.cart_id == bindparam("cart_id"))
        .scalar_subquery(),
    ).where(_ITEMS.id == bindparam("item_id"), _ITEMS.is_active.is_(True))
)
_NEW_LINE = Prepared(
    insert(_LINE_TABLE).values(
        cart_id=bindparam("cart_id"),
        item_id=bindparam("item_id"),
        quantity=bindparam("quantity"),
        seen_price_cents=bindparam("price_cents"),
        added_at=bindparam("now"),
    )
)
_MORE_OF_LINE = Prepared(
    update(_LINE_TABLE)
    .where(_LINES.cart_id == bindparam("cart_id"), _LINES.item_id == bindparam("item_id"))
    .values(quantity=_LINES.quantity + bindparam("quantity"))
)


def _add_line(db: Session, cart_id: int, *, item_id: int, quantity: int, now: int) -> None:
    conn = _core(db)
    found = _ITEM_AND_LINE.first(conn, {"cart_id": cart_id, "item_id": item_id})
    if found is None:
        raise CartError("That product is not available.")
    name, price_cents, stock, in_cart, line_count = found
    if in_cart is None and line_count >= MAX_LINES:
        raise CartError(f"A cart holds at most {MAX_LINES} different products.")
    wanted = (in_cart or 0) + quantity
    if wanted > MAX_QUANTITY:
        raise CartError(f"At most {MAX_QUANTITY} units of {name} per order.")
    if wanted > stock:
        raise CartError(
            f"Only {stock} units of {name} are in stock." if stock else f"{name} is out of stock."
        )
    params = {"cart_id": cart_id, "item_id": item_id, "quantity": quantity}
    if in_cart is None:
        _NEW_LINE.rows(conn, {**params, "price_cents": price_cents, "now": now})
    else:
        _MORE_OF_LINE.rows(conn, params)


_LINES_OF_CART = (
    core_select(
        _ITEMS.id,
        _ITEMS.sku,
        _ITEMS.name,
        _ITEMS.category,
        _LINES.quantity,
        _ITEMS.price_cents,
        _LINES.seen_price_cents,
        _ITEMS.stock,
        _ITEMS.is_active,
    )
    .join_from(_LINE_TABLE, _ITEM_TABLE, _ITEMS.id == _LINES.item_id)
    .order_by(_LINES.added_at, _LINES.item_id)
)


_LINES_BY_CART_ID = Prepared(_LINES_OF_CART.where(_LINES.cart_id == bindparam("cart_id")))


def _lines_of_cart(db: Session, cart_id: int) -> list[LineView]:
    rows = _LINES_BY_CART_ID.rows(_core(db), {"cart_id": cart_id})
    return _line_views(rows)


def _line_views(rows) -> list[LineView]:
    return [
        LineView(
            item_id=row[0],
            sku=row[1],
            name=row[2],
            category=row[3],
            quantity=row[4],
            unit_price_cents=row[5],
            seen_price_cents=row[6],
            stock=row[7],
            available=bool(row[8]),
        )
        for row in rows
    ]
