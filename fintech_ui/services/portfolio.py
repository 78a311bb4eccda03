"""What an investor owns, what it is worth and how it got there: the portfolio read model.

Everything is aggregated in SQL (positions, daily values, money in and out per day); Python
only turns the aggregated rows (at most one per product, or per day and kind) into views. Costs
follow the average-cost method: a sale takes its units' share of the position's cost
(`trading.cost_basis`), so what remains is the cost of the units still held.

The daily value is the one heavy statement: units x close for every day a product was held
(for an active investor, tens of thousands of product-days). Measured on SQLite with the bench's
year (bench/bench_portfolio.py), most of its time is that join and the sort that sums it per day;
fetching the closes to sum them in Python was slower than letting SQLite sort them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from fintech_ui.money import decimal_string
from fintech_ui.services.ledger import balance_cents
from fintech_ui.services.prices import ANNUALISE, DAY

YEAR_DAYS = 365


@dataclass(frozen=True)
class HoldingView:
    """One product held: units, what they cost and what they are worth now."""

    item_id: int
    sku: str
    name: str
    category: str
    units: int
    cost_cents: int
    average_cost_cents: int
    price_cents: int
    value_cents: int
    gain_cents: int
    gain_pct: float | None


@dataclass(frozen=True)
class AllocationSlice:
    """The value held in one category."""

    category: str
    value_cents: int
    pct: float


@dataclass(frozen=True)
class ValuePoint:
    """The account at the end of one day: cash plus holdings at that day's prices."""

    date: str
    cash_cents: int
    holdings_cents: int
    total_cents: int


@dataclass(frozen=True)
class MonthFlows:
    """Money in and out in one month, as positive amounts."""

    month: str
    deposits_cents: int
    purchases_cents: int
    sales_cents: int
    withdrawals_cents: int


@dataclass(frozen=True)
class Totals:
    """The headline figures of the portfolio."""

    cash_cents: int
    holdings_value_cents: int
    total_value_cents: int
    cost_cents: int
    gain_cents: int
    realised_gain_cents: int
    return_1y_pct: float | None
    volatility_pct: float | None


@dataclass(frozen=True)
class PortfolioView:
    """The whole /portfolio page in one read."""

    holdings: tuple[HoldingView, ...]
    totals: Totals
    allocation: tuple[AllocationSlice, ...]
    value_series: tuple[ValuePoint, ...]
    flows: tuple[MonthFlows, ...]


# Units and remaining cost per product: purchases minus the cost basis of sales.
HOLDINGS_SQL = text(
    """
    WITH pos AS (
        SELECT ol.item_id AS item_id, SUM(ol.quantity) AS units,
               SUM(ol.line_total_cents) AS cost
        FROM orders o JOIN order_lines ol ON ol.order_id = o.id
        WHERE o.user_id = :user_id GROUP BY ol.item_id
        UNION ALL
        SELECT item_id, -SUM(units), -SUM(cost_basis_cents)
        FROM sales WHERE user_id = :user_id GROUP BY item_id
    ), net AS (
        SELECT item_id, SUM(units) AS units, SUM(cost) AS cost
        FROM pos GROUP BY item_id HAVING SUM(units) > 0
    )
    SELECT i.id, i.sku, i.name, i.category, n.units, n.cost, i.price_cents,
           n.units * i.price_cents AS value
    FROM net n JOIN items i ON i.id = n.item_id
    ORDER BY value DESC, i.name
    """
)

REALISED_SQL = text(
    "SELECT COALESCE(SUM(realised_gain_cents), 0) FROM sales WHERE user_id = :user_id"
)

# Units held at the end of each day, as intervals [d0, d1) of day numbers per product.
_INTERVALS = """
    ev AS (
        SELECT ol.item_id AS item_id, o.created_at / 86400 AS day, ol.quantity AS du
        FROM orders o JOIN order_lines ol ON ol.order_id = o.id WHERE o.user_id = :user_id
        UNION ALL
        SELECT item_id, created_at / 86400, -units FROM sales WHERE user_id = :user_id
    ), evd AS (
        SELECT item_id, day, SUM(du) AS du FROM ev GROUP BY item_id, day
    ), iv AS (
        SELECT item_id, day AS d0,
               COALESCE(LEAD(day) OVER (PARTITION BY item_id ORDER BY day), :end_day + 1) AS d1,
               SUM(du) OVER (PARTITION BY item_id ORDER BY day
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS units
        FROM evd
    ), held AS (
        SELECT item_id, CASE WHEN d0 < :start_day THEN :start_day ELSE d0 END AS d0, d1, units
        FROM iv WHERE units > 0 AND d1 > :start_day
    )
"""

# Holdings at each day's close, in one statement (the intervals computed once):
#  "c" rows: per day, units x the day's close (a close is the point at 23:59:59 UTC: at most one
#            per product and day, written by the seed and by prices.set_price), grouped by the
#            close's own time: the same groups as by day, without a division per product-day;
#  "s" rows: +/- steps valuing the days after a product's last close at its current price.
# `lastc` is MATERIALIZED so that each product's last close is looked up once: PostgreSQL
# otherwise inlines it into `tail` and runs the subquery three times per interval.
DAILY_HOLDINGS_SQL = text(
    "WITH"  # noqa: S608  (constant SQL pieces, no user input)
    + _INTERVALS
    + """
    , closes AS (
        SELECT p.at / 86400 AS day, SUM(h.units * p.price_cents) AS v
        FROM held h JOIN price_points p
          ON p.item_id = h.item_id AND p.at >= h.d0 * 86400 AND p.at < h.d1 * 86400
        WHERE p.at % 86400 = 86399
        GROUP BY p.at
    ), lastc AS MATERIALIZED (
        SELECT h.item_id, (
            SELECT MAX(p.at) FROM price_points p
            WHERE p.item_id = h.item_id AND p.at % 86400 = 86399
        ) / 86400 AS day
        FROM (SELECT DISTINCT item_id FROM held) h
    ), tail AS (
        SELECT h.units * i.price_cents AS v,
               CASE WHEN l.day IS NULL OR l.day < h.d0 THEN h.d0 ELSE l.day + 1 END AS a,
               h.d1 AS b
        FROM held h JOIN items i ON i.id = h.item_id JOIN lastc l ON l.item_id = h.item_id
    ), steps AS (
        SELECT a AS day, v FROM tail WHERE a < b
        UNION ALL SELECT b, -v FROM tail WHERE a < b
    )
    SELECT 'c', day, v FROM closes
    UNION ALL
    SELECT 's', day, SUM(v) FROM steps GROUP BY day
    """
)

# The balance at the end of each day that had a movement, and the one before the window.
DAILY_CASH_SQL = text(
    """
    SELECT l.created_at / 86400, l.balance_after_cents
    FROM ledger_entries l JOIN (
        SELECT MAX(id) AS id FROM ledger_entries
        WHERE user_id = :user_id AND created_at >= :start_ts GROUP BY created_at / 86400
    ) m ON m.id = l.id
    UNION ALL
    SELECT :start_day - 1, balance_after_cents FROM ledger_entries
    WHERE id = (SELECT MAX(id) FROM ledger_entries
                WHERE user_id = :user_id AND created_at < :start_ts)
    """
)

# Money in and out per day and kind since the window's start: deposits and withdrawals are the
# external flows the return leaves out, and the months' bars add the days up.
DAILY_FLOWS_SQL = text(
    """
    SELECT created_at / 86400, kind, SUM(amount_cents) FROM ledger_entries
    WHERE user_id = :user_id AND created_at >= :start_ts
    GROUP BY created_at / 86400, kind
    """
)

_EPOCH = dt.date(1970, 1, 1)
_EXTERNAL = ("deposit", "withdrawal")


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part * 100 / whole, 2)


def _date(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=day)).isoformat()


def holdings(db: Session, *, user_id: int) -> tuple[HoldingView, ...]:
    """One row per product held, most valuable first."""
    rows = db.execute(HOLDINGS_SQL, {"user_id": user_id}).all()
    result = []
    for item_id, sku, name, category, units, cost, price, value in rows:
        units, cost, value = int(units), int(cost), int(value)
        result.append(
            HoldingView(
                item_id=item_id,
                sku=sku,
                name=name,
                category=category,
                units=units,
                cost_cents=cost,
                average_cost_cents=(2 * cost + units) // (2 * units),
                price_cents=int(price),
                value_cents=value,
                gain_cents=value - cost,
                gain_pct=_pct(value - cost, cost),
            )
        )
    return tuple(result)


def _allocation(rows: tuple[HoldingView, ...]) -> tuple[AllocationSlice, ...]:
    by_category: dict[str, int] = {}
    for row in rows:  # at most one row per product: already aggregated in SQL
        by_category[row.category] = by_category.get(row.category, 0) + row.value_cents
    total = sum(by_category.values())
    return tuple(
        AllocationSlice(category=c, value_cents=v, pct=_pct(v, total) or 0.0)
        for c, v in sorted(by_category.items(), key=lambda kv: -kv[1])
    )


def _window(now: int) -> dict[str, int]:
    end_day = now // DAY
    start_day = end_day - YEAR_DAYS
    return {"start_day": start_day, "end_day": end_day, "start_ts": start_day * DAY}


def value_series(
    db: Session, *, user_id: int, now: int, cash_now: int, holdings_now: int
) -> tuple[ValuePoint, ...]:
    """The account's value at each day's close over the past year; today at this moment."""
    params = {"user_id": user_id, **_window(now)}
    start_day, end_day = params["start_day"], params["end_day"]
    closes: dict[int, int] = {}
    steps: dict[int, int] = {}
    for kind, day, value in db.execute(DAILY_HOLDINGS_SQL, params).all():
        (closes if kind == "c" else steps)[int(day)] = int(value)
    cash_days = {int(day): int(cents) for day, cents in db.execute(DAILY_CASH_SQL, params).all()}
    points = []
    cash, tail = cash_days.get(start_day - 1, 0), 0
    for day in range(start_day, end_day + 1):  # one step per day of aggregated figures
        cash = cash_days.get(day, cash)
        tail += steps.get(day, 0)
        held = closes.get(day, 0) + tail
        if day == end_day:
            cash, held = cash_now, holdings_now
        points.append(
            ValuePoint(
                date=_date(day), cash_cents=cash, holdings_cents=held, total_cents=cash + held
            )
        )
    # Leave out the days before the account had any money or holdings.
    first = next((i for i, p in enumerate(points) if p.total_cents), len(points) - 1)
    return tuple(points[first:])


def _daily_flows(db: Session, *, user_id: int, now: int) -> dict[int, dict[str, int]]:
    params = {"user_id": user_id, "start_ts": _window(now)["start_ts"]}
    days: dict[int, dict[str, int]] = {}
    for day, kind, amount in db.execute(DAILY_FLOWS_SQL, params).all():
        days.setdefault(int(day), {})[kind] = int(amount)
    return days


def performance(
    *, series: tuple[ValuePoint, ...], flows: dict[int, dict[str, int]], now: int
) -> tuple[float | None, float | None]:
    """Time-weighted return over the series and its annualised volatility, in percent.

    Each day's return is the change in total value net of deposits and withdrawals that day,
    over the previous day's value; the year's return chains them, the volatility is their
    standard deviation times √365. `flows` is `_daily_flows` (amounts per day and kind).
    """
    first_day = now // DAY - len(series) + 1  # the series is one point per day up to today
    returns = []
    for day, (previous, point) in enumerate(itertools.pairwise(series), start=first_day + 1):
        if previous.total_cents <= 0:
            continue
        kinds = flows.get(day, {})
        flow = sum(kinds.get(kind, 0) for kind in _EXTERNAL)
        returns.append((point.total_cents - flow - previous.total_cents) / previous.total_cents)
    if not returns:
        return None, None
    growth = math.prod(1 + r for r in returns)
    volatility = None
    if len(returns) >= 2:
        mean = sum(returns) / len(returns)
        variance = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
        volatility = round(math.sqrt(variance) * ANNUALISE * 100, 2)
    return round((growth - 1) * 100, 2), volatility


def month_flows(flows: dict[int, dict[str, int]]) -> tuple[MonthFlows, ...]:
    """Deposits, purchases, sales and withdrawals per month of `_daily_flows`' days."""
    months: dict[str, dict[str, int]] = {}
    for day, kinds in flows.items():
        month = months.setdefault(_date(day)[:7], {})
        for kind, amount in kinds.items():
            month[kind] = month.get(kind, 0) + amount
    return tuple(
        MonthFlows(
            month=month,
            deposits_cents=abs(kinds.get("deposit", 0)),
            purchases_cents=abs(kinds.get("purchase", 0)),
            sales_cents=abs(kinds.get("sale", 0)),
            withdrawals_cents=abs(kinds.get("withdrawal", 0)),
        )
        for month, kinds in sorted(months.items())
    )


def portfolio(db: Session, *, user_id: int, now: int) -> PortfolioView:
    """Holdings, totals and every chart's data of the user's portfolio, in one transaction."""
    rows = holdings(db, user_id=user_id)
    cash = balance_cents(db, user_id=user_id)
    held = sum(row.value_cents for row in rows)
    cost = sum(row.cost_cents for row in rows)
    series = value_series(db, user_id=user_id, now=now, cash_now=cash, holdings_now=held)
    flows = _daily_flows(db, user_id=user_id, now=now)
    return_1y, volatility = performance(series=series, flows=flows, now=now)
    realised = int(db.execute(REALISED_SQL, {"user_id": user_id}).one()[0])
    return PortfolioView(
        holdings=rows,
        totals=Totals(
            cash_cents=cash,
            holdings_value_cents=held,
            total_value_cents=cash + held,
            cost_cents=cost,
            gain_cents=held - cost,
            realised_gain_cents=realised,
            return_1y_pct=return_1y,
            volatility_pct=volatility,
        ),
        allocation=_allocation(rows),
        value_series=series,
        flows=month_flows(flows),
    )


def holdings_csv(rows: tuple[HoldingView, ...]) -> str:
    """The holdings as CSV, amounts as exact decimal strings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "sku",
            "product",
            "category",
            "units",
            "average_cost",
            "price",
            "value",
            "gain",
            "gain_pct",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.sku,
                row.name,
                row.category,
                row.units,
                decimal_string(row.average_cost_cents),
                decimal_string(row.price_cents),
                decimal_string(row.value_cents),
                decimal_string(row.gain_cents),
                "" if row.gain_pct is None else f"{row.gain_pct:.2f}",
            ]
        )
    return out.getvalue()


def holdings_export(db: Session, *, user_id: int) -> str:
    """The user's holdings as a CSV document (the page's download)."""
    return holdings_csv(holdings(db, user_id=user_id))
