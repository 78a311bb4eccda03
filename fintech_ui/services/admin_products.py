"""Back office, products: list, search, create and edit; price changes append to the history,
stock changes are adjustments with a reason, and a sold product is deactivated, never deleted.

Every bad field gives its own message (ProductInvalid.errors) and nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import delete, exists, func, insert, or_
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import (
    CATEGORIES,
    CartLine,
    Item,
    LiveChange,
    OrderLine,
    PricePoint,
    Sale,
    StockAdjustment,
)
from fintech_ui.money import MoneyError, parse_amount
from fintech_ui.services import audit, prices
from fintech_ui.services.admin_access import require_admin

FIELDS = ("sku", "name", "category", "price", "stock", "description", "risk", "active", "reason")
MAX_STOCK = 10_000_000
PAGE = 50
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,31}", re.ASCII)


class ProductInvalid(DomainError):
    """Some fields of the product form are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Check the highlighted fields: " + " ".join(errors.values()))
        self.errors = errors


class UnknownProduct(DomainError):
    """No product has that id."""


@dataclass(frozen=True)
class AdminProduct:
    """A product as the back office edits it."""

    id: int
    sku: str
    name: str
    category: str
    price_cents: int
    stock: int
    description: str
    risk_level: int
    is_active: bool
    sold: bool


def _sold(db: Session, item_id: int) -> bool:
    return bool(
        db.exec(
            select(
                or_(
                    exists().where(col(OrderLine.item_id) == item_id),
                    exists().where(col(Sale.item_id) == item_id),
                )
            )
        ).one()
    )


def _view(db: Session, item: Item) -> AdminProduct:
    assert item.id is not None
    return AdminProduct(
        id=item.id,
        sku=item.sku,
        name=item.name,
        category=item.category,
        price_cents=item.price_cents,
        stock=item.stock,
        description=item.description,
        risk_level=item.risk_level,
        is_active=item.is_active,
        sold=_sold(db, item.id),
    )


def list_products(
    db: Session, *, actor_id: object, search: str = "", page: int = 1
) -> tuple[AdminProduct, ...]:
    """Products (active or not) whose name or SKU contains `search`, by name, a page at a time."""
    require_admin(db, actor_id=actor_id)
    query = select(Item).order_by(col(Item.name_key), col(Item.id))
    needle = search.strip().lower()[:120] if isinstance(search, str) else ""
    if needle:
        like = f"%{needle}%"
        query = query.where(or_(col(Item.name_key).like(like), col(Item.sku).ilike(like)))
    page = page if type(page) is int and 1 <= page <= 100_000 else 1
    rows = db.exec(query.offset((page - 1) * PAGE).limit(PAGE)).all()
    sold = _sold_ids(db, [row.id for row in rows if row.id is not None])
    return tuple(
        AdminProduct(
            id=row.id or 0,
            sku=row.sku,
            name=row.name,
            category=row.category,
            price_cents=row.price_cents,
            stock=row.stock,
            description=row.description,
            risk_level=row.risk_level,
            is_active=row.is_active,
            sold=row.id in sold,
        )
        for row in rows
    )


def _sold_ids(db: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    ordered = db.exec(select(OrderLine.item_id).where(col(OrderLine.item_id).in_(ids))).all()
    sold = db.exec(select(Sale.item_id).where(col(Sale.item_id).in_(ids))).all()
    return set(ordered) | set(sold)


def get_product(db: Session, *, actor_id: object, item_id: object) -> AdminProduct:
    """One product for the edit form."""
    require_admin(db, actor_id=actor_id)
    item = db.get(Item, item_id) if type(item_id) is int else None
    if item is None:
        raise UnknownProduct("That product no longer exists.")
    return _view(db, item)


@dataclass(frozen=True)
class _Parsed:
    sku: str
    name: str
    category: str
    price_cents: int
    stock: int
    description: str
    risk_level: int
    is_active: bool
    reason: str


def _text(raw: dict[str, object], name: str) -> str:
    value = raw.get(name, "")
    return value.strip() if isinstance(value, str) else "\0"


def _parse(raw: object) -> _Parsed:
    """The form's fields checked one by one; ProductInvalid with every problem at once."""
    if not isinstance(raw, dict) or not set(raw) <= set(FIELDS):
        raise ProductInvalid({"form": "The form was not understood. Reload the page."})
    errors: dict[str, str] = {}
    sku = _text(raw, "sku")
    if not _SKU.fullmatch(sku):
        errors["sku"] = "A SKU is 2 to 32 letters, digits or dashes."
    name = " ".join(_text(raw, "name").split())
    if not 2 <= len(name) <= 120 or "\0" in name:
        errors["name"] = "A name is 2 to 120 characters."
    category = _text(raw, "category").lower()
    if category not in CATEGORIES:
        errors["category"] = "Choose one of: " + ", ".join(CATEGORIES) + "."
    price_cents = 0
    try:
        price_cents = parse_amount(
            raw.get("price", ""), min_cents=1, max_cents=prices.MAX_PRICE_CENTS
        )
    except MoneyError as exc:
        errors["price"] = f"Price: {exc}"
    stock_text = _text(raw, "stock")
    stock = int(stock_text) if stock_text.isascii() and stock_text.isdigit() else -1
    if not 0 <= stock <= MAX_STOCK:
        errors["stock"] = f"Stock is a whole number from 0 to {MAX_STOCK:,}."
    description = _text(raw, "description")
    if len(description) > 1000 or "\0" in description:
        errors["description"] = "A description is at most 1,000 characters."
    risk_text = _text(raw, "risk")
    risk = int(risk_text) if risk_text in ("1", "2", "3", "4", "5") else 0
    if not risk:
        errors["risk"] = "Risk is a level from 1 to 5."
    active = raw.get("active", False)
    if active in ("on", "true", True):
        active = True
    elif active in ("", "off", "false", False):
        active = False
    else:
        errors["active"] = "Active is yes or no."
    reason = " ".join(_text(raw, "reason").split())
    if len(reason) > 200 or "\0" in reason:
        errors["reason"] = "A reason is at most 200 characters."
    if errors:
        raise ProductInvalid(errors)
    return _Parsed(sku, name, category, price_cents, stock, description, risk, bool(active), reason)


def _check_unique(db: Session, form: _Parsed, item_id: int | None) -> dict[str, str]:
    errors = {}
    others = select(Item.id).where(col(Item.id) != (item_id or 0))
    if db.exec(others.where(col(Item.name_key) == form.name.lower())).first() is not None:
        errors["name"] = "Another product already has that name."
    if db.exec(others.where(func.lower(Item.sku) == form.sku.lower())).first() is not None:
        errors["sku"] = "Another product already has that SKU."
    return errors


def _public(product: AdminProduct) -> dict[str, object]:
    values = asdict(product)
    values.pop("sold")
    return values


def save_product(
    db: Session, *, actor_id: object, item_id: object, fields: object, now: int
) -> AdminProduct:
    """Create (item_id None) or edit a product from the form's text fields, audited.

    A new price appends to the price history; a new stock is an adjustment that needs a reason.
    """
    admin = require_admin(db, actor_id=actor_id)
    form = _parse(fields)
    if item_id is not None and type(item_id) is not int:
        raise UnknownProduct("That product no longer exists.")
    item = db.exec(select(Item).where(col(Item.id) == item_id).with_for_update()).first()
    if item_id is not None and item is None:
        raise UnknownProduct("That product no longer exists.")
    errors = _check_unique(db, form, item_id)
    if item is not None:
        before = _view(db, item)
        if form.sku != item.sku and before.sold:
            errors["sku"] = "The SKU cannot change: this product has been sold."
        if form.stock != item.stock and not form.reason:
            errors["reason"] = "Say why the stock changes."
    if errors:
        raise ProductInvalid(errors)
    if item is None:
        item = Item(
            sku=form.sku,
            name=form.name,
            name_key=form.name.lower(),
            category=form.category,
            description=form.description,
            price_cents=form.price_cents,
            stock=0,
            risk_level=form.risk_level,
            is_active=form.is_active,
        )
        db.add(item)
        db.flush()
        assert item.id is not None
        db.exec(insert(PricePoint).values(item_id=item.id, at=now, price_cents=item.price_cents))
        old_values: dict[str, object] | None = None
        old_stock = 0
    else:
        old_values = _public(before)
        old_stock = item.stock
        item.sku, item.name, item.name_key = form.sku, form.name, form.name.lower()
        item.category, item.description = form.category, form.description
        item.risk_level, item.is_active = form.risk_level, form.is_active
        db.add(item)
        db.flush()
        if form.price_cents != item.price_cents:
            prices.set_price(db, sku=item.sku, price_cents=form.price_cents, now=now)
            db.refresh(item)
    assert item.id is not None
    if form.stock != old_stock:
        _adjust_stock(
            db, item, form.stock, reason=form.reason or "Initial stock", admin_id=admin.id, now=now
        )
    db.exec(insert(LiveChange).values(item_id=item.id, at=now))
    after = _view(db, item)
    audit.record(
        db,
        actor_id=admin.id,
        actor_name=admin.username,
        action="product.create" if old_values is None else "product.update",
        target=f"product:{after.sku}",
        before=old_values,
        after=_public(after),
        now=now,
    )
    return after


def _adjust_stock(
    db: Session, item: Item, new_stock: int, *, reason: str, admin_id: int, now: int
) -> None:
    delta = new_stock - item.stock
    item.stock = new_stock
    db.add(item)
    db.exec(
        insert(StockAdjustment).values(
            item_id=item.id,
            delta=delta,
            stock_after=new_stock,
            reason=reason,
            actor_id=admin_id,
            at=now,
        )
    )


@dataclass(frozen=True)
class StockMove:
    """One stated stock adjustment."""

    at: int
    delta: int
    stock_after: int
    reason: str


def stock_history(db: Session, *, actor_id: object, item_id: object) -> tuple[StockMove, ...]:
    """A product's stock adjustments, newest first."""
    require_admin(db, actor_id=actor_id)
    if type(item_id) is not int:
        return ()
    rows = db.exec(
        select(StockAdjustment)
        .where(col(StockAdjustment.item_id) == item_id)
        .order_by(col(StockAdjustment.id).desc())
        .limit(100)
    ).all()
    return tuple(StockMove(r.at, r.delta, r.stock_after, r.reason) for r in rows)


def remove_product(db: Session, *, actor_id: object, item_id: object, now: int) -> str:
    """Delete a product nobody ever bought; deactivate one with orders. 'deleted'/'deactivated'."""
    admin = require_admin(db, actor_id=actor_id)
    item = db.get(Item, item_id) if type(item_id) is int else None
    if item is None or item.id is None:
        raise UnknownProduct("That product no longer exists.")
    before = _view(db, item)
    if before.sold:
        item.is_active = False
        db.add(item)
        outcome = "deactivated"
    else:
        db.exec(delete(CartLine).where(col(CartLine.item_id) == item.id))
        db.exec(delete(StockAdjustment).where(col(StockAdjustment.item_id) == item.id))
        db.delete(item)
        outcome = "deleted"
    db.exec(insert(LiveChange).values(item_id=before.id, at=now))
    audit.record(
        db,
        actor_id=admin.id,
        actor_name=admin.username,
        action=f"product.{outcome[:-1]}",
        target=f"product:{before.sku}",
        before=_public(before),
        after={"is_active": False} if outcome == "deactivated" else None,
        now=now,
    )
    return outcome


def count_products(db: Session) -> int:
    """How many products exist (for the back office's headline)."""
    return int(db.exec(select(func.count()).select_from(Item)).one())
