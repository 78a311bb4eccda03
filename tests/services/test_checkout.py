"""Checkout on SQLite and PostgreSQL: stock, money, order and ledger move together or not at all.

Purchases go through `orders.checkout(scope, ...)`, the app's own entry point, so every refusal
is a rolled-back transaction and "nothing changed" compares whole tables before and after.
"""

from __future__ import annotations

import contextlib
import random
import uuid

import pytest
from service_helpers import balance as _balance
from service_helpers import cart as _cart
from sqlalchemy import update
from sqlmodel import col, select

from fintech_ui.models import Account, Item, LedgerEntry, Order, OrderLine
from fintech_ui.services.cart import CartError, CartOwner, accept_current_prices, add_item
from fintech_ui.services.ledger import balance_cents, deposit, statement
from fintech_ui.services.orders import (
    MAX_KEY_CHARS,
    CheckoutError,
    KeyReused,
    PricesChanged,
    check_key,
    checkout,
    get_order,
    list_orders,
)

T0 = 1_700_000_000


def _key(n: int = 1) -> str:
    return f"checkout-key-{n:04d}"


def _add(scope, user_id, item_id, quantity=1, now=T0):
    with scope() as db:
        add_item(db, CartOwner(user_id=user_id), item_id=item_id, quantity=quantity, now=now)


def _buy(scope, user_id, key=None, item_id=None, now=T0 + 10) -> Order:
    return checkout(scope, user_id=user_id, idempotency_key=key or _key(), item_id=item_id, now=now)


def _set_item(scope, item_id, **values):
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == item_id).values(**values))


def _item(scope, item_id) -> Item:
    with scope(read_only=True) as db:
        return db.get(Item, item_id)


def _ledger(scope, user_id) -> list[LedgerEntry]:
    with scope(read_only=True) as db:
        return list(reversed(statement(db, user_id=user_id)))


def _orders(scope) -> list[Order]:
    with scope(read_only=True) as db:
        return list(db.exec(select(Order).order_by(col(Order.id))).all())


@pytest.fixture
def user(make_user) -> int:
    return make_user("alice", balance_cents=10_000)


@pytest.fixture
def fund(make_item) -> int:
    return make_item("Steady Income Fund", price_cents=1500, stock=20)


@pytest.fixture
def bond(make_item) -> int:
    return make_item("Green Bond", category="bond", price_cents=700, stock=10)


@pytest.fixture
def full_cart(scope, user, fund, bond) -> None:
    _add(scope, user, fund, 2)
    _add(scope, user, bond, 1, now=T0 + 1)


# --- the happy path --------------------------------------------------------------------


def test_checkout_records_the_order_and_its_lines(scope, user, fund, bond, full_cart):
    order = _buy(scope, user, now=T0 + 99)
    assert (order.user_id, order.total_cents, order.created_at) == (user, 3700, T0 + 99)
    assert order.idempotency_key == _key()
    with scope(read_only=True) as db:
        view = get_order(db, user_id=user, order_id=order.id)
    got = sorted(
        (ln.item_id, ln.sku, ln.name, ln.unit_price_cents, ln.quantity, ln.line_total_cents)
        for ln in view.lines
    )
    assert got == sorted(
        [
            (fund, _item(scope, fund).sku, "Steady Income Fund", 1500, 2, 3000),
            (bond, _item(scope, bond).sku, "Green Bond", 700, 1, 700),
        ]
    )


def test_checkout_takes_the_stock(scope, user, fund, bond, full_cart):
    _buy(scope, user)
    assert (_item(scope, fund).stock, _item(scope, bond).stock) == (18, 9)


def test_checkout_debits_the_balance_with_a_ledger_entry(scope, user, full_cart):
    order = _buy(scope, user, now=T0 + 99)
    assert _balance(scope, user) == 6300
    deposit_entry, purchase = _ledger(scope, user)
    assert (deposit_entry.kind, deposit_entry.amount_cents, deposit_entry.balance_after_cents) == (
        "deposit",
        10_000,
        10_000,
    )
    assert (purchase.kind, purchase.amount_cents, purchase.balance_after_cents) == (
        "purchase",
        -3700,
        6300,
    )
    assert (purchase.order_id, purchase.created_at) == (order.id, T0 + 99)


def test_checkout_empties_the_cart(scope, user, full_cart, check_invariants):
    _buy(scope, user)
    assert _cart(scope, user) == {}
    check_invariants()


def test_checkout_of_exactly_the_whole_balance(scope, make_user, make_item, check_invariants):
    buyer = make_user(balance_cents=4500)
    item = make_item(price_cents=1500, stock=3)
    _add(scope, buyer, item, 3)
    _buy(scope, buyer)
    assert (_balance(scope, buyer), _item(scope, item).stock) == (0, 0)
    check_invariants()


def test_buying_one_line_keeps_the_others(scope, user, fund, bond, full_cart, check_invariants):
    order = _buy(scope, user, item_id=bond)
    assert order.total_cents == 700
    assert _cart(scope, user) == {fund: 2}
    assert (_item(scope, fund).stock, _item(scope, bond).stock) == (20, 9)
    assert _balance(scope, user) == 9300
    check_invariants()


def test_buying_a_line_not_in_the_cart_is_refused(scope, snapshot, user, fund, make_item):
    _add(scope, user, fund, 1)
    elsewhere = make_item()
    before = snapshot()
    with pytest.raises(CheckoutError, match="not in your cart"):
        _buy(scope, user, item_id=elsewhere)
    assert snapshot() == before


@pytest.mark.parametrize("item_id", ["1", True, 0, -1, 2**31, 1.0])
def test_buying_a_malformed_line_is_refused(scope, snapshot, user, full_cart, item_id):
    before = snapshot()
    with pytest.raises(CheckoutError):
        _buy(scope, user, item_id=item_id)
    assert snapshot() == before


def test_checkout_of_an_empty_cart_is_refused(scope, snapshot, user):
    before = snapshot()
    with pytest.raises(CheckoutError, match="empty"):
        _buy(scope, user)
    assert snapshot() == before


# --- refusals change nothing ---------------------------------------------------------------


def test_not_enough_money_is_refused_and_changes_nothing(scope, snapshot, make_user, fund):
    poor = make_user(balance_cents=1000)
    _add(scope, poor, fund, 1)
    before = snapshot()
    with pytest.raises(CheckoutError, match=r"Not enough money.*\$15\.00.*\$10\.00") as caught:
        _buy(scope, poor)
    assert not isinstance(caught.value, PricesChanged | KeyReused)
    assert snapshot() == before


def test_user_without_an_account_row_cannot_buy(scope, snapshot, make_user, fund):
    ghost = make_user()
    with scope() as db:
        db.delete(db.get(Account, ghost))
    _add(scope, ghost, fund, 1)
    before = snapshot()
    with pytest.raises(CheckoutError, match="Not enough money"):
        _buy(scope, ghost)
    assert snapshot() == before


def test_not_enough_stock_is_refused_and_changes_nothing(scope, snapshot, user, fund, full_cart):
    _set_item(scope, fund, stock=1)
    before = snapshot()
    with pytest.raises(CheckoutError, match=r"Not enough stock.*1 units of Steady Income Fund"):
        _buy(scope, user)
    assert snapshot() == before


def test_sold_out_line_blocks_only_itself(scope, user, fund, bond, full_cart):
    _set_item(scope, fund, stock=0)
    with pytest.raises(CheckoutError):
        _buy(scope, user)
    order = _buy(scope, user, key=_key(2), item_id=bond)
    assert order.total_cents == 700
    assert _cart(scope, user) == {fund: 2}


def test_changed_price_is_refused_until_accepted(scope, snapshot, user, fund, full_cart):
    _set_item(scope, fund, price_cents=1600)
    before = snapshot()
    with pytest.raises(PricesChanged):
        _buy(scope, user)
    assert snapshot() == before
    with pytest.raises(PricesChanged):  # asking again changes nothing either
        _buy(scope, user)
    with scope() as db:
        accept_current_prices(db, CartOwner(user_id=user), now=T0 + 5)
    order = _buy(scope, user)
    assert order.total_cents == 2 * 1600 + 700
    assert _balance(scope, user) == 10_000 - 3900


def test_price_drop_also_needs_confirmation(scope, user, fund, full_cart):
    _set_item(scope, fund, price_cents=100)
    with pytest.raises(PricesChanged):
        _buy(scope, user)


def test_inactive_product_is_refused(scope, snapshot, user, fund, bond, full_cart):
    _set_item(scope, bond, is_active=False)
    before = snapshot()
    with pytest.raises(CheckoutError, match="Green Bond is no longer available") as caught:
        _buy(scope, user)
    assert not isinstance(caught.value, PricesChanged)
    assert snapshot() == before
    with pytest.raises(CheckoutError):
        _buy(scope, user, item_id=bond)
    assert snapshot() == before


def test_refused_key_can_be_used_again_once_the_problem_is_fixed(scope, make_user, fund):
    poor = make_user(balance_cents=1000)
    _add(scope, poor, fund, 1)
    with pytest.raises(CheckoutError):
        _buy(scope, poor, key=_key(7))
    with scope() as db:
        deposit(db, idempotency_key=uuid.uuid4().hex, user_id=poor, amount_cents=500, now=T0)
    assert _buy(scope, poor, key=_key(7)).total_cents == 1500
    assert _balance(scope, poor) == 0


# --- idempotency -----------------------------------------------------------------------


def test_same_key_twice_is_one_order_and_one_debit(scope, user, fund, bond, full_cart):
    first = _buy(scope, user, key=_key(1))
    again = _buy(scope, user, key=_key(1), now=T0 + 500)
    assert again.id == first.id
    assert len(_orders(scope)) == 1
    assert [e.kind for e in _ledger(scope, user)] == ["deposit", "purchase"]
    assert _balance(scope, user) == 6300
    assert (_item(scope, fund).stock, _item(scope, bond).stock) == (18, 9)


def test_same_key_for_one_line_twice_is_one_order(scope, user, fund, bond, full_cart):
    first = _buy(scope, user, key=_key(1), item_id=fund)
    again = _buy(scope, user, key=_key(1), item_id=fund)
    assert again.id == first.id
    assert _cart(scope, user) == {bond: 1}
    assert _balance(scope, user) == 7000


def test_same_key_with_a_different_cart_is_refused(scope, snapshot, user, fund, bond):
    _add(scope, user, fund, 1)
    _buy(scope, user, key=_key(1))
    _add(scope, user, bond, 1)
    before = snapshot()
    with pytest.raises(KeyReused):
        _buy(scope, user, key=_key(1))
    assert snapshot() == before


def test_same_key_with_another_quantity_is_refused(scope, user, fund):
    _add(scope, user, fund, 1)
    _buy(scope, user, key=_key(1))
    _add(scope, user, fund, 2)
    with pytest.raises(KeyReused):
        _buy(scope, user, key=_key(1))


def test_same_key_for_another_line_is_refused(scope, snapshot, user, fund, bond, full_cart):
    _buy(scope, user, key=_key(1), item_id=fund)
    before = snapshot()
    with pytest.raises(KeyReused):
        _buy(scope, user, key=_key(1), item_id=bond)
    with pytest.raises(KeyReused):
        _buy(scope, user, key=_key(1))  # the whole cart is another request, too
    assert snapshot() == before


def test_keys_belong_to_their_user(scope, make_user, fund):
    first, second = make_user(balance_cents=5000), make_user(balance_cents=5000)
    _add(scope, first, fund, 1)
    _add(scope, second, fund, 1)
    one = _buy(scope, first, key=_key(1))
    two = _buy(scope, second, key=_key(1))
    assert one.id != two.id
    assert (_balance(scope, first), _balance(scope, second)) == (3500, 3500)


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "short77",
        "x" * (MAX_KEY_CHARS + 1),
        "has space",
        "tab\tkey-123",
        "newline\nkey",
        "ключ-ключ-ключ",
        "ｋｅｙ－ｋｅｙ－ｋｅｙ",
        "nul\x00key-123",
        12345678,
        b"bytes-key-1",
        ["list-key-123"],
    ],
    ids=repr,
)
def test_bad_keys_are_refused_and_change_nothing(scope, snapshot, user, full_cart, key):
    before = snapshot()
    with pytest.raises(CheckoutError, match="idempotency key"):
        checkout(scope, user_id=user, idempotency_key=key, now=T0)
    assert snapshot() == before


@pytest.mark.parametrize("key", ["k" * 8, "k" * MAX_KEY_CHARS, "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"])
def test_good_keys_are_accepted(key):
    assert check_key(key) == key


# --- the ledger explains every balance ---------------------------------------------------


def test_balance_is_the_ledger_sum_after_random_deposits_and_purchases(
    scope, make_user, make_item, check_invariants
):
    rng = random.Random(20240611)
    buyer = make_user(balance_cents=2000)
    items = [
        make_item(price_cents=rng.randint(50, 4000), stock=rng.randint(1, 8)) for _ in range(6)
    ]
    outcomes = {"bought": 0, "refused": 0}
    for step in range(40):
        now = T0 + step
        action = rng.random()
        if action < 0.3:
            with scope() as db:
                deposit(
                    db,
                    idempotency_key=uuid.uuid4().hex,
                    user_id=buyer,
                    amount_cents=rng.randint(1, 5000),
                    now=now,
                )
            continue
        with contextlib.suppress(CartError):  # not enough stock left: the cart says so
            _add(scope, buyer, rng.choice(items), rng.randint(1, 3), now=now)
        cart = _cart(scope, buyer)
        if not cart:
            continue
        one_line = rng.choice([None, rng.choice(sorted(cart))])
        try:
            _buy(scope, buyer, key=f"random-{step:04d}", item_id=one_line, now=now)
            outcomes["bought"] += 1
        except CheckoutError:
            outcomes["refused"] += 1
        with scope(read_only=True) as db:
            total = sum(
                db.exec(select(LedgerEntry.amount_cents).where(LedgerEntry.user_id == buyer))
            )
            assert balance_cents(db, user_id=buyer) == total
    assert outcomes["bought"] > 0 and outcomes["refused"] > 0  # the sequence exercised both
    check_invariants()


# --- reading orders --------------------------------------------------------------------


def test_get_order_returns_own_order_only(scope, make_user, user, fund, full_cart):
    order = _buy(scope, user)
    stranger = make_user("mallory", balance_cents=1)
    with scope(read_only=True) as db:
        assert get_order(db, user_id=user, order_id=order.id).id == order.id
        assert get_order(db, user_id=stranger, order_id=order.id) is None
        assert get_order(db, user_id=user, order_id=order.id + 1) is None


@pytest.mark.parametrize("order_id", ["1", True, 0, -1, 2**31, None, 1.0])
def test_get_order_refuses_malformed_ids(scope, user, full_cart, order_id):
    _buy(scope, user)
    with scope(read_only=True) as db:
        assert get_order(db, user_id=user, order_id=order_id) is None


def test_list_orders_newest_first_with_their_lines(scope, make_user, user, fund, bond):
    other = make_user(balance_cents=5000)
    placed = []
    for n, item_id in enumerate([fund, bond, fund]):
        _add(scope, user, item_id, 1, now=T0 + n)
        placed.append(_buy(scope, user, key=_key(n), now=T0 + n).id)
    _add(scope, other, bond, 1)
    _buy(scope, other, key=_key(99))
    with scope(read_only=True) as db:
        views = list_orders(db, user_id=user)
        assert list_orders(db, user_id=make_user()) == []
    assert [view.id for view in views] == list(reversed(placed))
    assert [[line.item_id for line in view.lines] for view in views] == [[fund], [bond], [fund]]
    assert all(view.user_id == user for view in views)


def test_order_lines_keep_the_price_paid(scope, user, fund, full_cart):
    order = _buy(scope, user)
    _set_item(scope, fund, price_cents=9999, name="Renamed Fund")
    with scope(read_only=True) as db:
        bought = db.exec(
            select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.item_id == fund)
        ).one()
    assert (bought.unit_price_cents, bought.name) == (1500, "Steady Income Fund")
