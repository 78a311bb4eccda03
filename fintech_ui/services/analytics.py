"""Back-office analytics, aggregated in SQL: each chart is one GROUP BY over an index (revenue
by category and top products over `sales_daily`, the per-day rollup a trigger keeps).

The replaced system loaded whole tables into pandas; here only the aggregates leave the
database, so a chart costs the same whether there are a thousand orders or a hundred thousand
in its window (see bench/bench_admin.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, case, cast, func
from sqlmodel import Session, col, select

from fintech_ui.models import Account, Item, LedgerEntry, Order, SalesDaily, User
from fintech_ui.services.admin_access import require_admin

DAY = 86_400
WEEK = 7 * DAY
WINDOWS = (30, 90, 365)
TOP = 10
# upper bounds (exclusive) of the balance buckets, in cents; the last bucket is open
BALANCE_BUCKETS = (1, 10_000, 100_000, 1_000_000, 10_000_000)


@dataclass(frozen=True)
class Point:
    """One bar or point: a label and up to two values (cents or counts)."""

    label: str
    value: int
    other: int = 0


@dataclass(frozen=True)
class Dashboard:
    """Every chart of the analytics section over the last `days` days."""

    days: int
    sales_per_day: tuple[Point, ...]  # value: revenue cents, other: orders
    revenue_by_category: tuple[Point, ...]
    top_products: tuple[Point, ...]  # value: revenue cents, other: units
    new_investors_per_week: tuple[Point, ...]
    balance_distribution: tuple[Point, ...]
    deposits_withdrawals: tuple[Point, ...]  # value: deposits, other: withdrawals (cents)


def _date(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d")


def _bucket(column, size: int):
    # integer division on both SQLite and PostgreSQL (both columns and literals are integers)
    return cast(column / size, Integer)


def sales_per_day(db: Session, *, since: int) -> tuple[Point, ...]:
    """Revenue and number of orders per UTC day from `since`."""
    day = _bucket(col(Order.created_at), DAY).label("day")
    rows = db.exec(
        select(day, func.sum(Order.total_cents), func.count())
        .where(col(Order.created_at) >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    found = {int(d): (int(total), int(n)) for d, total, n in rows}
    if not found:
        return ()
    # days without an order are zero, not missing: the line would otherwise skip them
    first = max(since // DAY, min(found))
    return tuple(Point(_date(d * DAY), *found.get(d, (0, 0))) for d in range(first, max(found) + 1))


def revenue_by_category(db: Session, *, since: int) -> tuple[Point, ...]:
    """Revenue per product category from `since` (a day boundary), largest first."""
    total = func.sum(SalesDaily.revenue_cents).label("total")
    rows = db.exec(
        select(Item.category, total)
        .select_from(SalesDaily)
        .join(Item, col(Item.id) == SalesDaily.item_id)
        .where(col(SalesDaily.day) >= since // DAY)
        .group_by(col(Item.category))
        .order_by(total.desc())
    ).all()
    return tuple(Point(category, int(value)) for category, value in rows)


def top_products(db: Session, *, since: int) -> tuple[Point, ...]:
    """The TOP products by revenue from `since` (a day boundary), with units sold."""
    total = func.sum(SalesDaily.revenue_cents).label("total")
    top = (
        select(SalesDaily.item_id, total, func.sum(SalesDaily.units).label("units"))
        .where(col(SalesDaily.day) >= since // DAY)
        .group_by(col(SalesDaily.item_id))
        .order_by(total.desc())
        .limit(TOP)
        .subquery()
    )
    rows = db.exec(
        select(Item.name, top.c.total, top.c.units)
        .join(Item, col(Item.id) == top.c.item_id)
        .order_by(top.c.total.desc(), col(Item.name))
    ).all()
    return tuple(Point(name, int(value), int(units)) for name, value, units in rows)


def new_investors_per_week(db: Session, *, since: int) -> tuple[Point, ...]:
    """Registrations per week (weeks starting Thursday 1970-01-01, UTC) from `since`."""
    week = _bucket(col(User.created_at), WEEK).label("week")
    rows = db.exec(
        select(week, func.count())
        .where(col(User.created_at) >= since)
        .group_by(week)
        .order_by(week)
    ).all()
    return tuple(Point(_date(w * WEEK), int(n)) for w, n in rows)


def _bucket_label(index: int) -> str:
    bounds = (0, *BALANCE_BUCKETS)
    if index == 0:
        return "$0"
    low = bounds[index] // 100
    if index == len(BALANCE_BUCKETS):
        return f"${low:,}+"
    return f"${low:,}–{bounds[index + 1] // 100:,}" if low else f"<${bounds[index + 1] // 100:,}"


def balance_distribution(db: Session) -> tuple[Point, ...]:
    """How many accounts hold a balance in each bucket (all buckets, empty ones as 0)."""
    bucket = case(
        *[(col(Account.balance_cents) < bound, i) for i, bound in enumerate(BALANCE_BUCKETS)],
        else_=len(BALANCE_BUCKETS),
    ).label("bucket")
    counts = dict(db.exec(select(bucket, func.count()).group_by(bucket)).all())
    return tuple(
        Point(_bucket_label(i), int(counts.get(i, 0))) for i in range(len(BALANCE_BUCKETS) + 1)
    )


def deposits_withdrawals(db: Session, *, since: int) -> tuple[Point, ...]:
    """Money deposited and withdrawn per week from `since` (both as positive cents)."""
    week = _bucket(col(LedgerEntry.created_at), WEEK).label("week")
    rows = db.exec(
        select(week, LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(
            col(LedgerEntry.kind).in_(("deposit", "withdrawal")),
            col(LedgerEntry.created_at) >= since,
        )
        .group_by(week, col(LedgerEntry.kind))
        .order_by(week)
    ).all()
    weeks: dict[int, list[int]] = {}
    for w, kind, amount in rows:
        weeks.setdefault(w, [0, 0])[0 if kind == "deposit" else 1] += abs(int(amount))
    return tuple(Point(_date(w * WEEK), d, wd) for w, (d, wd) in sorted(weeks.items()))


def dashboard(db: Session, *, actor_id: object, days: object, now: int) -> Dashboard:
    """Every chart over the last `days` (30, 90 or 365) days, for an administrator."""
    require_admin(db, actor_id=actor_id)
    window = days if type(days) is int and days in WINDOWS else WINDOWS[0]
    since = (now // DAY - window + 1) * DAY
    return Dashboard(
        days=window,
        sales_per_day=sales_per_day(db, since=since),
        revenue_by_category=revenue_by_category(db, since=since),
        top_products=top_products(db, since=since),
        new_investors_per_week=new_investors_per_week(db, since=since),
        balance_distribution=balance_distribution(db),
        deposits_withdrawals=deposits_withdrawals(db, since=since),
    )
