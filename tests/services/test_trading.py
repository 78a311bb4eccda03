"""Selling holdings and withdrawing cash: exact cents, idempotent, never beyond what is held,
and race-safe on SQLite and PostgreSQL (two tabs selling the last units, withdrawing it all)."""

from __future__ import annotations

import pytest
from service_helpers import balance as _balance
from service_helpers import race
from service_helpers import stock as _stock
from sqlmodel import select

from fintech_ui.models import Item, LedgerEntry, Sale, Withdrawal
from fintech_ui.money import MoneyError
from fintech_ui.services import prices, trading
from fintech_ui.services.cart import CartOwner, add_item
from fintech_ui.services.ledger import statement_csv
from fintech_ui.services.orders import place_order
from fintech_ui.services.trading import KeyReused, TradingError, sell, withdraw, withdraw_amount

T0 = 1_700_000_000


def _buy(scope, user_id, item_id, quantity, key):
    with scope() as db:
        add_item(db, CartOwner(user_id=user_id), item_id=item_id, quantity=quantity, now=T0)
    with scope() as db:
        return place_order(db, user_id=user_id, idempotency_key=key, item_id=item_id, now=T0)


def _sell(scope, user_id, item_id, units, key, now=T0 + 10):
    with scope() as db:
        return sell(db, user_id=user_id, item_id=item_id, units=units, idempotency_key=key, now=now)


def _withdraw(scope, user_id, amount, key, now=T0 + 10):
    with scope() as db:
        return withdraw(db, user_id=user_id, amount_cents=amount, idempotency_key=key, now=now)


def _set_price(scope, item_id, cents, now=T0 + 5):
    with scope() as db:
        sku = db.get(Item, item_id).sku
        prices.set_price(db, sku=sku, price_cents=cents, now=now)


@pytest.fixture
def ledger_matches(scope, check_invariants):
    """`ledger_matches()`: the general invariants plus one ledger credit per sale and debit
    per withdrawal, of the right amount."""

    def _check() -> None:
        check_invariants()
        with scope(read_only=True) as db:
            for sale in db.exec(select(Sale)).all():
                [entry] = db.exec(select(LedgerEntry).where(LedgerEntry.sale_id == sale.id)).all()
                assert (entry.kind, entry.amount_cents) == ("sale", sale.proceeds_cents)
                assert sale.proceeds_cents - sale.cost_basis_cents == sale.realised_gain_cents
            for out in db.exec(select(Withdrawal)).all():
                [entry] = db.exec(
                    select(LedgerEntry).where(LedgerEntry.withdrawal_id == out.id)
                ).all()
                assert (entry.kind, entry.amount_cents) == ("withdrawal", -out.amount_cents)

    return _check


# --- selling ---------------------------------------------------------------------------


def test_sale_credits_the_price_now_and_returns_stock(scope, make_user, make_item, ledger_matches):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 4, "buy-0001")
    _set_price(scope, item, 1250)

    sale = _sell(scope, user, item, 3, "sell-0001")

    assert (sale.units, sale.unit_price_cents, sale.proceeds_cents) == (3, 1250, 3750)
    assert (sale.cost_basis_cents, sale.realised_gain_cents) == (3000, 750)
    assert sale.balance_cents == _balance(scope, user) == 6000 + 3750
    assert _stock(scope, item) == 9
    ledger_matches()


def test_average_cost_over_two_purchases_is_exact_in_cents(
    scope, make_user, make_item, ledger_matches
):
    user = make_user(balance_cents=100_000)
    item = make_item(price_cents=1000, stock=50)
    _buy(scope, user, item, 1, "buy-a-001")
    _set_price(scope, item, 1001)
    _buy(scope, user, item, 2, "buy-b-001")  # 3 units cost 3002: 1000.67 each

    first = _sell(scope, user, item, 1, "sell-a-001")
    second = _sell(scope, user, item, 2, "sell-b-001")

    assert first.cost_basis_cents == 1001  # 3002 / 3 = 1000.67, rounded half up
    assert second.cost_basis_cents == 2001  # the rest: all sold, no cent lost or made
    assert first.cost_basis_cents + second.cost_basis_cents == 3002
    ledger_matches()


def test_cannot_sell_more_than_held(scope, make_user, make_item, ledger_matches):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 2, "buy-0002")

    with pytest.raises(TradingError, match="hold only 2 units"):
        _sell(scope, user, item, 3, "sell-0002")
    assert _balance(scope, user) == 8000
    ledger_matches()


def test_cannot_sell_what_another_user_holds(scope, make_user, make_item):
    owner, other = make_user(balance_cents=10_000), make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, owner, item, 2, "buy-0003")

    with pytest.raises(TradingError, match="do not hold any"):
        _sell(scope, other, item, 1, "sell-0003")


@pytest.mark.parametrize("units", [0, -1, True, 1.0, "1", None, 2**31])
def test_sale_refuses_units_that_are_not_a_positive_int(scope, make_user, make_item, units):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 2, "buy-0004")

    with pytest.raises(TradingError, match="whole number of units"):
        _sell(scope, user, item, units, "sell-0004")


@pytest.mark.parametrize("item_id", [0, -5, True, "1", None, 2**40])
def test_sale_refuses_malformed_product_ids(scope, make_user, item_id):
    user = make_user(balance_cents=10_000)
    with pytest.raises(TradingError, match="do not hold"):
        _sell(scope, user, item_id, 1, "sell-0005")


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "with space key", None, 12345678])
def test_sale_refuses_malformed_keys(scope, make_user, make_item, key):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    with pytest.raises(TradingError, match="idempotency key"):
        _sell(scope, user, item, 1, key)


def test_same_key_sells_once_and_answers_the_same_sale(scope, make_user, make_item, ledger_matches):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 4, "buy-0006")

    first = _sell(scope, user, item, 1, "sell-0006")
    _set_price(scope, item, 900, now=T0 + 20)
    again = _sell(scope, user, item, 1, "sell-0006", now=T0 + 30)

    assert again.id == first.id and again.proceeds_cents == 1000
    assert _stock(scope, item) == 7
    ledger_matches()


def test_same_key_for_another_sale_is_refused(scope, make_user, make_item):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 4, "buy-0007")
    _sell(scope, user, item, 1, "sell-0007")

    with pytest.raises(KeyReused, match="different sale"):
        _sell(scope, user, item, 2, "sell-0007")


def test_statement_csv_names_sales_and_withdrawals(scope, make_user, make_item):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 2, "buy-0008")
    sale = _sell(scope, user, item, 1, "sell-0008")
    _withdraw(scope, user, 500, "out-0008")

    with scope(read_only=True) as db:
        entries = list(db.exec(select(LedgerEntry).where(LedgerEntry.user_id == user)).all())
    lines = statement_csv(entries).splitlines()
    assert lines[-2].split(",")[1:3] == ["sale", str(sale.id)]
    assert lines[-1].split(",")[1:] == ["withdrawal", "", "-5.00", "85.00"]


# --- withdrawals -----------------------------------------------------------------------


def test_withdrawal_takes_money_out_through_the_ledger(scope, make_user, ledger_matches):
    user = make_user(balance_cents=10_000)

    out = _withdraw(scope, user, 2550, "out-0001")

    assert out.amount_cents == 2550 and out.balance_cents == 7450 == _balance(scope, user)
    ledger_matches()


def test_cannot_withdraw_more_than_the_balance(scope, make_user, ledger_matches):
    user = make_user(balance_cents=10_000)
    with pytest.raises(TradingError, match="Not enough money"):
        _withdraw(scope, user, 10_001, "out-0002")
    assert _balance(scope, user) == 10_000
    ledger_matches()


def test_daily_limit_counts_the_whole_utc_day(scope, make_user, ledger_matches):
    user = make_user(balance_cents=8_000_000)
    _withdraw(scope, user, 4_000_000, "out-0003a", now=T0)

    with pytest.raises(TradingError, match=r"\$10,000.00 more today"):
        _withdraw(scope, user, 1_000_001, "out-0003b", now=T0 + 60)
    _withdraw(scope, user, 1_000_000, "out-0003c", now=T0 + 60)
    tomorrow = (T0 // 86_400 + 1) * 86_400
    _withdraw(scope, user, 2_000_000, "out-0003d", now=tomorrow)
    assert _balance(scope, user) == 1_000_000
    ledger_matches()


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, "100", None, 5_000_001])
def test_withdrawal_refuses_odd_amounts(scope, make_user, amount):
    user = make_user(balance_cents=10_000)
    with pytest.raises(TradingError, match="Enter an amount"):
        _withdraw(scope, user, amount, "out-0004")


def test_same_key_withdraws_once(scope, make_user, ledger_matches):
    user = make_user(balance_cents=10_000)
    first = _withdraw(scope, user, 1000, "out-0005")
    again = _withdraw(scope, user, 1000, "out-0005")
    assert again.id == first.id and _balance(scope, user) == 9000
    with pytest.raises(KeyReused, match="different amount"):
        _withdraw(scope, user, 2000, "out-0005")
    ledger_matches()


def test_typed_amount_withdraws_its_cents(scope, make_user, ledger_matches):
    user = make_user(balance_cents=10_000)
    with scope() as db:
        out = withdraw_amount(
            db, user_id=user, amount="25.50", idempotency_key="out-0006", now=T0 + 10
        )
    assert out.amount_cents == 2550 and _balance(scope, user) == 7450
    ledger_matches()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "such as 25"),
        ("1.234", "two decimals"),
        ("0", "from"),
        ("50000.01", "from"),
        (25, "such as 25"),
    ],
)
def test_typed_amount_outside_the_limits_is_refused(scope, make_user, amount, message):
    user = make_user(balance_cents=10_000)
    with scope() as db, pytest.raises(MoneyError, match=message):
        withdraw_amount(db, user_id=user, amount=amount, idempotency_key="out-0007", now=T0)
    assert _balance(scope, user) == 10_000


# --- races -----------------------------------------------------------------------------


def _race(count, racer):
    results = race(count, racer)
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, TradingError)
    ]
    assert unexpected == []
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_tabs_selling_the_last_units_sell_them_once(
    scope, make_user, make_item, ledger_matches, round_
):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 3, f"buy-race-{round_}")

    results = _race(2, lambda i: _sell(scope, user, item, 3, f"sell-tab-{round_}-{i}"))

    sales = [r for r in results if isinstance(r, trading.SaleView)]
    refusals = [r for r in results if isinstance(r, TradingError)]
    assert len(sales) == 1 and len(refusals) == 1
    assert "do not hold any" in str(refusals[0])
    assert _balance(scope, user) == 10_000
    assert _stock(scope, item) == 10
    ledger_matches()


@pytest.mark.parametrize("round_", range(3))
def test_twin_sale_requests_are_one_sale(scope, make_user, make_item, ledger_matches, round_):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 3, f"buy-twin-{round_}")

    results = _race(2, lambda _i: _sell(scope, user, item, 2, f"sell-twin-{round_}"))

    assert {r.id for r in results} == {results[0].id}
    assert _balance(scope, user) == 9000
    ledger_matches()


@pytest.mark.parametrize("round_", range(3))
def test_two_tabs_withdrawing_the_whole_balance_pay_out_once(
    scope, make_user, ledger_matches, round_
):
    user = make_user(balance_cents=10_000)

    results = _race(2, lambda i: _withdraw(scope, user, 10_000, f"withdraw-all-{round_}-{i}"))

    paid = [r for r in results if isinstance(r, trading.WithdrawalView)]
    assert len(paid) == 1 and _balance(scope, user) == 0
    assert "Not enough money" in str(next(r for r in results if isinstance(r, TradingError)))
    ledger_matches()


def test_sale_and_withdrawal_racing_keep_the_ledger_exact(
    scope, make_user, make_item, ledger_matches
):
    user = make_user(balance_cents=5000)
    item = make_item(price_cents=1000, stock=10)
    _buy(scope, user, item, 5, "buy-mixed")  # balance 0, 5 units

    def racer(i):
        if i % 2:
            return _sell(scope, user, item, 1, f"mix-sell-{i}")
        return _withdraw(scope, user, 1000, f"mix-out-{i}")

    _race(6, racer)

    ledger_matches()
    assert _balance(scope, user) >= 0
