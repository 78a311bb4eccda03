"""Price history: every price change appends a point; product pages chart and analyse it.

Returns and volatility are computed in SQL over the appended points (daily closes for the
demo data), so a product with a year of history costs one indexed range scan.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from sqlalchemy import func, insert, text, update
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Item, PricePoint
from fintech_ui.services.ids import stored_id

DAY = 86_400
RANGES = {"1m": 30, "6m": 182, "1y": 365}
MAX_PRICE_CENTS = 1_000_000_000  # $10,000,000.00 per unit
ANNUALISE = math.sqrt(365)  # daily closes every calendar day (crypto trades at weekends too)

# Daily drift and spread of the demo's random walks, per category.
_WALK = {
    "bond": (0.00005, 0.003),
    "fund": (0.0002, 0.008),
    "stock": (0.0003, 0.016),
    "commodity": (0.0001, 0.012),
    "crypto": (0.0005, 0.04),
}


class PriceError(DomainError):
    """A price change was refused; nothing changed."""


@dataclass(frozen=True)
class PricePointView:
    """One point of a price chart."""

    at: int
    date: str
    price_cents: int


@dataclass(frozen=True)
class PriceChange:
    """A product's price before and after a change."""

    item_id: int
    sku: str
    old_price_cents: int
    new_price_cents: int
    at: int


@dataclass(frozen=True)
class Analytics:
    """Returns over 1M/6M/1Y (percent, None without enough history) and annualised volatility."""

    return_1m: float | None
    return_6m: float | None
    return_1y: float | None
    volatility: float | None


@dataclass(frozen=True)
class ProductView:
    """Everything the product page shows."""

    id: int
    sku: str
    name: str
    category: str
    description: str
    price_cents: int
    stock: int
    risk_level: int
    is_active: bool
    history: tuple[PricePointView, ...]  # the past year, oldest first
    analytics: Analytics


def _date(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d")


def set_price(db: Session, *, sku: str, price_cents: int, now: int) -> PriceChange:
    """Change a product's price and append it to the history; carts then ask to confirm it."""
    if type(price_cents) is not int or not 0 < price_cents <= MAX_PRICE_CENTS:
        raise PriceError("A price must be from $0.01 to $10,000,000.00.")
    item = db.exec(select(Item).where(Item.sku == sku).with_for_update()).first()
    if item is None:
        raise PriceError(f"No product with SKU {sku}.")
    old, item_id = item.price_cents, stored_id(item)
    db.exec(update(Item).where(col(Item.id) == item_id).values(price_cents=price_cents))
    _close_missing_days(db, item_id=item_id, price_cents=old, now=now)
    db.exec(insert(PricePoint).values(item_id=item_id, at=now, price_cents=price_cents))
    return PriceChange(
        item_id=item_id, sku=sku, old_price_cents=old, new_price_cents=price_cents, at=now
    )


def _close_missing_days(db: Session, *, item_id: int, price_cents: int, now: int) -> None:
    # Charts read one close per day: a point at 23:59:59 UTC. Before a new price, the day of
    # the last point (if it has no close yet) and each day since, up to yesterday, close at
    # the old price.
    last = db.exec(select(func.max(PricePoint.at)).where(PricePoint.item_id == item_id)).one()
    if last is None:
        return
    first_day = last // DAY if last % DAY != DAY - 1 else last // DAY + 1
    today = now // DAY
    rows = [
        {"item_id": item_id, "at": (day + 1) * DAY - 1, "price_cents": price_cents}
        for day in range(max(first_day, today - 366), today)
    ]
    if rows:
        db.exec(insert(PricePoint), params=rows)


def demo_walk(sku: str, category: str, price_cents: int, days: int) -> list[int]:
    """`days` daily closes ending at `price_cents`, the same for the same SKU on every run."""
    drift, spread = _WALK.get(category, (0.0, 0.01))
    rng = random.Random(f"price-history:{sku}")  # noqa: S311  (repeatable demo data)
    closes = [price_cents]
    value = float(price_cents)
    for _ in range(days - 1):
        value /= math.exp(drift + spread * rng.gauss(0.0, 1.0))
        closes.append(max(1, round(value)))
    closes.reverse()
    return closes


def add_demo_history(db: Session, *, item_ids: list[int], now: int, days: int = 365) -> int:
    """A year of daily closes for each product that has at most one price point; bulk insert."""
    if not item_ids:
        return 0
    counts = dict(
        db.exec(
            select(PricePoint.item_id, func.count())
            .where(col(PricePoint.item_id).in_(item_ids))
            .group_by(col(PricePoint.item_id))
        ).all()
    )
    items = db.exec(select(Item).where(col(Item.id).in_(item_ids))).all()
    today = now // DAY * DAY
    rows = []
    for item in items:
        held = counts.get(stored_id(item), 0)
        if held > 1:
            continue
        closes = demo_walk(item.sku, item.category, item.price_cents, days + 2)
        # closes[-1] is today's price: the earlier ones close each of the past `days` + 1
        # days, so that a price "a year ago" exists at any time of today.
        for back, price in enumerate(reversed(closes[:-1]), start=1):
            rows.append(
                {"item_id": item.id, "at": today - (back - 1) * DAY - 1, "price_cents": price}
            )
        if held == 0:
            rows.append({"item_id": item.id, "at": now, "price_cents": item.price_cents})
    if rows:
        db.exec(insert(PricePoint), params=rows)
    return len(rows)


def add_current_points(db: Session, *, min_item_id: int, now: int) -> int:
    """One point (today's price) for every product from `min_item_id` on that has none: one
    INSERT … SELECT, cheap enough for the 100k synthetic catalogue."""
    result = db.connection().execute(
        text(
            "INSERT INTO price_points (item_id, at, price_cents) "
            "SELECT id, :now, price_cents FROM items WHERE id >= :min_id "
            "AND NOT EXISTS (SELECT 1 FROM price_points p WHERE p.item_id = items.id)"
        ),
        {"now": now, "min_id": min_item_id},
    )
    return result.rowcount or 0


def price_history(db: Session, *, item_id: int, days: int, now: int) -> tuple[PricePointView, ...]:
    """The points of the last `days` days, oldest first, starting with the price in force then."""
    start = now - days * DAY
    before = db.exec(
        select(PricePoint.at, PricePoint.price_cents)
        .where(PricePoint.item_id == item_id, col(PricePoint.at) <= start)
        .order_by(col(PricePoint.at).desc())
        .limit(1)
    ).first()
    rows = db.exec(
        select(PricePoint.at, PricePoint.price_cents)
        .where(PricePoint.item_id == item_id, col(PricePoint.at) > start, col(PricePoint.at) <= now)
        .order_by(col(PricePoint.at))
    ).all()
    points = [(start, before[1])] if before else []
    points += [(at, price) for at, price in rows]
    return tuple(PricePointView(at=at, date=_date(at), price_cents=price) for at, price in points)


def _price_at(db: Session, item_id: int, at: int) -> int | None:
    return db.exec(
        select(PricePoint.price_cents)
        .where(PricePoint.item_id == item_id, col(PricePoint.at) <= at)
        .order_by(col(PricePoint.at).desc())
        .limit(1)
    ).first()


def _pct(old: int | None, new: int) -> float | None:
    return None if not old else round((new - old) * 100 / old, 2)


_DAILY_STATS = text(
    """
    WITH p AS (
        SELECT price_cents, LAG(price_cents) OVER (ORDER BY at, id) AS prev
        FROM price_points WHERE item_id = :item_id AND at > :start AND at <= :now
    )
    SELECT COUNT(*), SUM(price_cents * 1.0 / prev - 1), SUM((price_cents * 1.0 / prev - 1)
           * (price_cents * 1.0 / prev - 1))
    FROM p WHERE prev IS NOT NULL
    """
)


def volatility_from(count: int, total: float | None, squares: float | None) -> float | None:
    """Annualised volatility in percent from n, Σr and Σr² of daily returns (sample stdev)."""
    if count < 2 or total is None or squares is None:
        return None
    variance = max(0.0, (squares - total * total / count) / (count - 1))
    return round(math.sqrt(variance) * ANNUALISE * 100, 2)


def analytics(db: Session, *, item_id: int, price_cents: int, now: int) -> Analytics:
    """1M/6M/1Y return (price now vs the price in force then) and annualised volatility."""
    count, total, squares = db.execute(
        _DAILY_STATS, {"item_id": item_id, "start": now - 365 * DAY, "now": now}
    ).one()
    return Analytics(
        return_1m=_pct(_price_at(db, item_id, now - RANGES["1m"] * DAY), price_cents),
        return_6m=_pct(_price_at(db, item_id, now - RANGES["6m"] * DAY), price_cents),
        return_1y=_pct(_price_at(db, item_id, now - RANGES["1y"] * DAY), price_cents),
        volatility=volatility_from(count or 0, total, squares),
    )


def product_page(db: Session, *, sku: object, now: int) -> ProductView | None:
    """A product by SKU with its year of prices and analytics; None when there is no such one."""
    if not isinstance(sku, str) or not 0 < len(sku) <= 32:
        return None
    item = db.exec(select(Item).where(Item.sku == sku)).first()
    if item is None:
        return None
    item_id = stored_id(item)
    return ProductView(
        id=item_id,
        sku=item.sku,
        name=item.name,
        category=item.category,
        description=item.description,
        price_cents=item.price_cents,
        stock=item.stock,
        risk_level=item.risk_level,
        is_active=item.is_active,
        history=price_history(db, item_id=item_id, days=365, now=now),
        analytics=analytics(db, item_id=item_id, price_cents=item.price_cents, now=now),
    )


def item_prices(
    db: Session, *, item_id: object, range_key: object, now: int
) -> tuple[PricePointView, ...] | None:
    """The API's price series of a product for "1m", "6m" or "1y"; None for no such product."""
    if type(item_id) is not int or not 0 < item_id < 2**31 or range_key not in RANGES:
        return None
    if db.get(Item, item_id) is None:
        return None
    return price_history(db, item_id=item_id, days=RANGES[range_key], now=now)
