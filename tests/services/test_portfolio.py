"""The portfolio read model: holdings at average cost, totals, allocation, the value of the
account at each day's close, money in and out per month, and product analytics."""

from __future__ import annotations

import math
import statistics
import uuid

import pytest
from sqlmodel import select

from fintech_ui.models import Item, PricePoint
from fintech_ui.services import ledger, prices
from fintech_ui.services.cart import CartOwner, add_item
from fintech_ui.services.orders import place_order
from fintech_ui.services.portfolio import holdings_csv, portfolio
from fintech_ui.services.trading import sell, withdraw

DAY = 86_400
DAY0 = (1_700_000_000 // DAY + 1) * DAY  # a midnight
NOON = DAY0 + DAY // 2


def _deposit(scope, user, cents, at):
    with scope() as db:
        key = uuid.uuid4().hex
        ledger.deposit(db, user_id=user, amount_cents=cents, idempotency_key=key, now=at)


def _buy(scope, user, item, quantity, key, at):
    with scope() as db:
        add_item(db, CartOwner(user_id=user), item_id=item, quantity=quantity, now=at)
    with scope() as db:
        place_order(db, user_id=user, idempotency_key=key, item_id=item, now=at)


def _closes(scope, item, first_day, cents):
    with scope() as db:
        for offset, price in enumerate(cents):
            db.add(
                PricePoint(item_id=item, at=first_day + (offset + 1) * DAY - 1, price_cents=price)
            )


def _portfolio(scope, user, now):
    with scope(read_only=True) as db:
        return portfolio(db, user_id=user, now=now)


@pytest.fixture
def invested(scope, make_user, make_item):
    """Deposit $100, buy 3 Alpha at $10 and 2 Beta at $20, Alpha rises to $12, sell 1 Alpha."""
    user = make_user()
    alpha = make_item("Alpha Shares", category="stock", price_cents=1000, stock=10)
    beta = make_item("Beta Bond", category="bond", price_cents=2000, stock=10)
    _deposit(scope, user, 10_000, NOON)
    _buy(scope, user, alpha, 3, "buy-alpha-1", NOON + 1)
    _buy(scope, user, beta, 2, "buy-beta-01", NOON + 2)
    with scope() as db:
        prices.set_price(db, sku=db.get(Item, alpha).sku, price_cents=1200, now=NOON + 3)
    with scope() as db:
        sell(db, user_id=user, item_id=alpha, units=1, idempotency_key="sell-alpha1", now=NOON + 4)
    return user, alpha, beta


def test_holdings_show_units_average_cost_value_and_gain(scope, invested):
    user, alpha, beta = invested
    view = _portfolio(scope, user, NOON + 10)

    by_id = {row.item_id: row for row in view.holdings}
    a, b = by_id[alpha], by_id[beta]
    assert (a.units, a.cost_cents, a.average_cost_cents, a.price_cents) == (2, 2000, 1000, 1200)
    assert (a.value_cents, a.gain_cents, a.gain_pct) == (2400, 400, 20.0)
    assert (b.units, b.value_cents, b.gain_cents, b.gain_pct) == (2, 4000, 0, 0.0)
    assert [row.item_id for row in view.holdings] == [beta, alpha]  # most valuable first


def test_totals_add_cash_and_holdings(scope, invested):
    user, _alpha, _beta = invested
    totals = _portfolio(scope, user, NOON + 10).totals

    assert (totals.cash_cents, totals.holdings_value_cents, totals.total_value_cents) == (
        4200,
        6400,
        10_600,
    )
    assert (totals.cost_cents, totals.gain_cents, totals.realised_gain_cents) == (6000, 400, 200)


def test_allocation_is_by_category(scope, invested):
    user, _alpha, _beta = invested
    slices = _portfolio(scope, user, NOON + 10).allocation
    assert [(s.category, s.value_cents, s.pct) for s in slices] == [
        ("bond", 4000, 62.5),
        ("stock", 2400, 37.5),
    ]


def test_money_in_and_out_per_month(scope, invested):
    user, _alpha, _beta = invested
    with scope() as db:
        withdraw(db, user_id=user, amount_cents=700, idempotency_key="out-month-1", now=NOON + 5)
    [month] = _portfolio(scope, user, NOON + 10).flows
    assert (month.deposits_cents, month.purchases_cents) == (10_000, 7000)
    assert (month.sales_cents, month.withdrawals_cents) == (1200, 700)
    assert month.month == "2023-11"


def test_sold_out_products_leave_the_holdings(scope, invested):
    user, alpha, _beta = invested
    with scope() as db:
        sell(db, user_id=user, item_id=alpha, units=2, idempotency_key="sell-rest-1", now=NOON + 6)
    view = _portfolio(scope, user, NOON + 10)
    assert [row.item_id for row in view.holdings] == [invested[2]]
    assert view.totals.realised_gain_cents == 200 + 400


def test_value_series_uses_each_days_close_and_current_price_after(scope, make_user, make_item):
    user = make_user()
    item = make_item("Gamma Fund", price_cents=1000, stock=50)
    _closes(scope, item, DAY0, [1000, 1100, 900])  # closes of days 0, 1, 2; none after
    _deposit(scope, user, 10_000, NOON)
    _buy(scope, user, item, 10, "buy-gamma-1", NOON + 1)

    view = _portfolio(scope, user, NOON + 4 * DAY)

    assert [p.total_cents for p in view.value_series] == [10_000, 11_000, 9000, 10_000, 10_000]
    assert all(p.cash_cents == 0 for p in view.value_series)
    assert view.totals.return_1y_pct == 0.0  # +10 %, -18.2 %, +11.1 %, 0: back where it began
    assert view.totals.volatility_pct is not None and view.totals.volatility_pct > 100


def test_a_weeks_history_gives_these_chart_points(scope, make_user, make_item):
    """Every figure of the value chart for eight days, worked out by hand below: sales and a
    withdrawal move cash, a day's close values the units held at that close, a product with no
    close that day counts at its current price, and a price change closes the missing days at
    the old price first."""
    user = make_user()
    alpha = make_item("Alpha Shares", category="stock", price_cents=1000, stock=50)
    beta = make_item("Beta Bond", category="bond", price_cents=2000, stock=50)
    _closes(scope, alpha, DAY0, [1000, 1100, 1200, 1300])  # days 0-3; day 4 closed by set_price
    _closes(scope, beta, DAY0, [2000, 1900])  # days 0-1; then its price, 2000
    _deposit(scope, user, 10_000, NOON)  # day 0
    _buy(scope, user, alpha, 3, "buy-alpha-1", NOON + 1)  # day 0: 3 x 1000
    _buy(scope, user, beta, 2, "buy-beta-01", NOON + DAY)  # day 1: 2 x 2000
    with scope() as db:  # day 2: 1 alpha at its price, 1000
        sell(
            db,
            user_id=user,
            item_id=alpha,
            units=1,
            idempotency_key="sell-alpha1",
            now=NOON + 2 * DAY,
        )
    with scope() as db:  # day 3
        withdraw(
            db, user_id=user, amount_cents=500, idempotency_key="out-day-3", now=NOON + 3 * DAY
        )
    with scope() as db:  # day 5: alpha to 1500; day 4 closes at the old price, 1000
        prices.set_price(db, sku=db.get(Item, alpha).sku, price_cents=1500, now=NOON + 5 * DAY)
    with scope() as db:  # day 6: both beta at 2000
        sell(
            db,
            user_id=user,
            item_id=beta,
            units=2,
            idempotency_key="sell-beta-1",
            now=NOON + 6 * DAY,
        )

    view = _portfolio(scope, user, NOON + 7 * DAY)

    #         cash                       alpha         beta
    # day 0   10000 - 3000       = 7000  3 x 1000      -
    # day 1    7000 - 4000       = 3000  3 x 1100      2 x 1900
    # day 2    3000 + 1000       = 4000  2 x 1200      2 x 2000 (no close: its price)
    # day 3    4000 - 500        = 3500  2 x 1300      2 x 2000
    # day 4                        3500  2 x 1000      2 x 2000
    # day 5                        3500  2 x 1500      2 x 2000 (alpha: no close, its price)
    # day 6    3500 + 4000       = 7500  2 x 1500      -
    # day 7 (now)                  7500  2 x 1500      -
    assert [(p.date, p.cash_cents, p.holdings_cents, p.total_cents) for p in view.value_series] == [
        ("2023-11-15", 7000, 3000, 10_000),
        ("2023-11-16", 3000, 7100, 10_100),
        ("2023-11-17", 4000, 6400, 10_400),
        ("2023-11-18", 3500, 6600, 10_100),
        ("2023-11-19", 3500, 6000, 9500),
        ("2023-11-20", 3500, 7000, 10_500),
        ("2023-11-21", 7500, 3000, 10_500),
        ("2023-11-22", 7500, 3000, 10_500),
    ]
    # Daily returns net of that day's deposits and withdrawals (day 3: -500 went out).
    returns = [100 / 10_000, 300 / 10_100, 200 / 10_400, -600 / 10_100, 1000 / 9500, 0.0, 0.0]
    assert view.totals.return_1y_pct == 10.2  # 10600/10000 x 10500/10100 - 1
    assert view.totals.volatility_pct == round(statistics.stdev(returns) * math.sqrt(365) * 100, 2)
    [month] = view.flows
    assert (month.month, month.deposits_cents, month.purchases_cents) == ("2023-11", 10_000, 7000)
    assert (month.sales_cents, month.withdrawals_cents) == (5000, 500)
    assert (view.totals.cash_cents, view.totals.holdings_value_cents) == (7500, 3000)


def test_deposits_are_not_counted_as_return(scope, make_user):
    user = make_user()
    _deposit(scope, user, 10_000, NOON)
    _deposit(scope, user, 10_000, NOON + DAY)

    view = _portfolio(scope, user, NOON + 2 * DAY)

    assert [p.total_cents for p in view.value_series] == [10_000, 20_000, 20_000]
    assert view.totals.return_1y_pct == 0.0


def test_empty_portfolio(scope, make_user):
    view = _portfolio(scope, make_user(), NOON)
    assert view.holdings == () and view.allocation == () and view.flows == ()
    assert view.totals.total_value_cents == 0 and view.totals.return_1y_pct is None


def test_holdings_csv_has_exact_amounts(scope, invested):
    user, _alpha, _beta = invested
    lines = holdings_csv(_portfolio(scope, user, NOON + 10).holdings).splitlines()
    assert lines[0].startswith("sku,product,category,units")
    assert lines[2].split(",")[1:] == [
        "Alpha Shares",
        "stock",
        "2",
        "10.00",
        "12.00",
        "24.00",
        "4.00",
        "20.00",
    ]


# --- price history and product analytics ---------------------------------------------


def test_set_price_appends_history_and_changes_the_price(scope, make_item):
    item = make_item(price_cents=1000)
    _closes(scope, item, DAY0, [1000])
    with scope() as db:
        change = prices.set_price(
            db, sku=db.get(Item, item).sku, price_cents=1234, now=NOON + 3 * DAY
        )
    with scope(read_only=True) as db:
        points = db.exec(
            select(PricePoint.at, PricePoint.price_cents)
            .where(PricePoint.item_id == item)
            .order_by(PricePoint.at)
        ).all()
        assert db.get(Item, item).price_cents == 1234
    assert (change.old_price_cents, change.new_price_cents) == (1000, 1234)
    # the two days without a point closed at the old price, then the new one
    assert [p for _at, p in points] == [1000, 1000, 1000, 1234]


@pytest.mark.parametrize("cents", [0, -1, 10**10, 1.5, True])
def test_set_price_refuses_odd_prices(scope, make_item, cents):
    item = make_item()
    with scope() as db, pytest.raises(prices.PriceError, match="price"):
        prices.set_price(db, sku=db.get(Item, item).sku, price_cents=cents, now=NOON)


def test_demo_walk_is_deterministic_and_ends_at_the_price():
    first = prices.demo_walk("STK-BANK", "stock", 3377, 366)
    assert first == prices.demo_walk("STK-BANK", "stock", 3377, 366)
    assert first[-1] == 3377 and len(first) == 366 and min(first) > 0


def test_product_analytics_returns_and_volatility(scope, make_item):
    item = make_item(price_cents=1210)
    # a year ago 1000, six months ago 1100, a month ago 1100, now 1210
    with scope() as db:
        for back, cents in ((366, 1000), (183, 1100), (31, 1100), (1, 1210)):
            db.add(PricePoint(item_id=item, at=NOON - back * DAY, price_cents=cents))
    with scope(read_only=True) as db:
        view = prices.product_page(db, sku=db.get(Item, item).sku, now=NOON)
    a = view.analytics
    assert (a.return_1m, a.return_6m, a.return_1y) == (10.0, 10.0, 21.0)
    assert a.volatility is not None
    assert view.history[0].price_cents == 1000 and view.history[-1].price_cents == 1210


def test_product_without_history_has_no_returns(scope, make_item):
    item = make_item(price_cents=1000)
    with scope(read_only=True) as db:
        view = prices.product_page(db, sku=db.get(Item, item).sku, now=NOON)
    assert view.analytics.return_1y is None and view.analytics.volatility is None


@pytest.mark.parametrize("sku", ["", None, 5, "x" * 33, "NOPE"])
def test_product_page_of_odd_skus_is_none(scope, sku):
    with scope(read_only=True) as db:
        assert prices.product_page(db, sku=sku, now=NOON) is None


def test_demo_history_is_a_year_of_closes(scope, make_item):
    item = make_item(price_cents=5000, category="crypto")
    with scope() as db:
        prices.add_demo_history(db, item_ids=[item], now=NOON)
        prices.add_demo_history(db, item_ids=[item], now=NOON)  # idempotent
    with scope(read_only=True) as db:
        rows = db.exec(select(PricePoint).where(PricePoint.item_id == item)).all()
        series = prices.item_prices(db, item_id=item, range_key="1m", now=NOON)
    assert len(rows) == 367 and max(r.at for r in rows) == NOON
    assert series[-1].price_cents == 5000 and 30 <= len(series) <= 32


def test_several_price_changes_in_a_day_count_once_at_the_last(scope, make_user, make_item):
    user = make_user()
    item = make_item("Delta Stock", category="stock", price_cents=1000, stock=50)
    _closes(scope, item, DAY0, [1000])
    _deposit(scope, user, 10_000, NOON)
    _buy(scope, user, item, 10, "buy-delta-1", NOON + 1)
    with scope() as db:
        sku = db.get(Item, item).sku
    for cents, at in ((1100, NOON + DAY), (1200, NOON + DAY + 60)):
        with scope() as db:
            prices.set_price(db, sku=sku, price_cents=cents, now=at)

    before = _portfolio(scope, user, NOON + 3 * DAY)
    with scope() as db:
        prices.set_price(db, sku=sku, price_cents=1300, now=NOON + 3 * DAY)
    after = _portfolio(scope, user, NOON + 3 * DAY + 10)

    assert [p.total_cents for p in before.value_series] == [10_000, 12_000, 12_000, 12_000]
    assert [p.total_cents for p in after.value_series] == [10_000, 12_000, 12_000, 13_000]
