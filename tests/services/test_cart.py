"""Carts on SQLite and PostgreSQL: changes, quantity and stock rules, prices, merging at login.

Every change runs in its own `scope()` transaction, as the app's handlers run it, so a refused
change is rolled back and "nothing changed" compares whole tables before and after.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from fintech_ui.models import Cart, CartLine, Item
from fintech_ui.services.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    CartError,
    CartOwner,
    accept_current_prices,
    add_item,
    decrease_quantity,
    lines,
    merge_visitor_cart,
    new_visitor_token,
    remove_item,
    set_quantity,
    valid_visitor_token,
    view,
)

T0 = 1_700_000_000
BAD_QUANTITIES = [-1, 0, 1.5, 2.0, "abc", "2", True, None, 10**12, MAX_QUANTITY + 1]


def _add(scope, owner, item_id, quantity=1, now=T0):
    with scope() as db:
        add_item(db, owner, item_id=item_id, quantity=quantity, now=now)


def _set(scope, owner, item_id, quantity, now=T0):
    with scope() as db:
        set_quantity(db, owner, item_id=item_id, quantity=quantity, now=now)


def _decrease(scope, owner, item_id, now=T0):
    with scope() as db:
        decrease_quantity(db, owner, item_id=item_id, now=now)


def _remove(scope, owner, item_id, now=T0):
    with scope() as db:
        remove_item(db, owner, item_id=item_id, now=now)


def _lines(scope, owner):
    with scope(read_only=True) as db:
        return lines(db, owner)


def _quantities(scope, owner) -> dict[int, int]:
    return {line.item_id: line.quantity for line in _lines(scope, owner)}


def _set_item(scope, item_id, **values):
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == item_id).values(**values))


@pytest.fixture
def owner(make_user) -> CartOwner:
    return CartOwner(user_id=make_user())


@pytest.fixture
def item(make_item) -> int:
    return make_item("Steady Income Fund", price_cents=2500, stock=20)


# --- add, increase, decrease, remove, set ----------------------------------------------


def test_add_creates_a_line_priced_from_the_catalogue(scope, owner, item):
    _add(scope, owner, item, 2)
    [line] = _lines(scope, owner)
    assert (line.item_id, line.name, line.quantity) == (item, "Steady Income Fund", 2)
    assert (line.unit_price_cents, line.seen_price_cents, line.line_total_cents) == (
        2500,
        2500,
        5000,
    )
    assert (line.price_changed, line.available, line.stock) == (False, True, 20)


def test_add_again_increases_the_quantity(scope, owner, item):
    _add(scope, owner, item, 2)
    _add(scope, owner, item, 3)
    assert _quantities(scope, owner) == {item: 5}


def test_lines_keep_the_order_they_were_added_in(scope, owner, make_item):
    first, second, third = (make_item() for _ in range(3))
    _add(scope, owner, third, now=T0)
    _add(scope, owner, first, now=T0 + 1)
    _add(scope, owner, second, now=T0 + 2)
    assert [line.item_id for line in _lines(scope, owner)] == [third, first, second]


def test_set_quantity_changes_the_line(scope, owner, item):
    _add(scope, owner, item, 2)
    _set(scope, owner, item, 7)
    assert _quantities(scope, owner) == {item: 7}
    _set(scope, owner, item, 1)
    assert _quantities(scope, owner) == {item: 1}


def test_set_quantity_of_a_product_not_in_the_cart_is_refused(scope, owner, item, make_item):
    other = make_item()
    _add(scope, owner, other)
    with pytest.raises(CartError, match="not in your cart"):
        _set(scope, owner, item, 2)
    assert _quantities(scope, owner) == {other: 1}


def test_set_quantity_without_a_cart_is_refused(scope, owner, item):
    with pytest.raises(CartError):
        _set(scope, owner, item, 2)


def test_decrease_takes_one_unit_off(scope, owner, item):
    _add(scope, owner, item, 3)
    _decrease(scope, owner, item)
    assert _quantities(scope, owner) == {item: 2}


def test_decrease_at_one_unit_removes_the_line(scope, owner, item, make_item):
    other = make_item()
    _add(scope, owner, item, 1)
    _add(scope, owner, other, 2)
    _decrease(scope, owner, item)
    assert _quantities(scope, owner) == {other: 2}


@pytest.mark.parametrize("bad", ["1", None, 10**12, -1])
def test_decrease_of_something_not_in_the_cart_is_refused(scope, owner, item, bad):
    _add(scope, owner, item, 2)
    with pytest.raises(CartError):
        _decrease(scope, owner, str(item) if bad == "1" else bad)
    assert _quantities(scope, owner) == {item: 2}


def test_remove_takes_the_line_out(scope, owner, item, make_item):
    other = make_item()
    _add(scope, owner, item, 4)
    _add(scope, owner, other, 1)
    _remove(scope, owner, item)
    assert _quantities(scope, owner) == {other: 1}


def test_remove_works_for_a_product_no_longer_on_sale(scope, owner, item):
    _add(scope, owner, item, 2)
    _set_item(scope, item, is_active=False)
    _remove(scope, owner, item)
    assert _lines(scope, owner) == []


@pytest.mark.parametrize("bad", ["missing", "string", True, 0, -5, 2**31])
def test_remove_of_something_not_in_the_cart_is_refused(scope, owner, item, make_item, bad):
    missing = make_item()
    _add(scope, owner, item, 2)
    target = {"missing": missing, "string": str(item)}.get(bad, bad)
    with pytest.raises(CartError):
        _remove(scope, owner, target)
    assert _quantities(scope, owner) == {item: 2}


def test_remove_without_a_cart_is_refused(scope, owner, item):
    with pytest.raises(CartError):
        _remove(scope, owner, item)


def test_summary_count_sums_units(scope, owner, item, make_item):
    other = make_item()
    _add(scope, owner, item, 3)
    _add(scope, owner, other, 4)
    with scope(read_only=True) as db:
        assert view(db, owner).count == 7


# --- quantity rules --------------------------------------------------------------------


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_add_refuses_bad_quantities_and_changes_nothing(scope, snapshot, owner, item, quantity):
    _add(scope, owner, item, 2)
    before = snapshot()
    with pytest.raises(CartError):
        _add(scope, owner, item, quantity, now=T0 + 60)
    assert snapshot() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_add_to_an_empty_cart_refuses_bad_quantities(scope, snapshot, owner, item, quantity):
    before = snapshot()
    with pytest.raises(CartError):
        _add(scope, owner, item, quantity)
    assert snapshot() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_set_quantity_refuses_bad_quantities_and_changes_nothing(
    scope, snapshot, owner, item, quantity
):
    _add(scope, owner, item, 2)
    before = snapshot()
    with pytest.raises(CartError):
        _set(scope, owner, item, quantity, now=T0 + 60)
    assert snapshot() == before


def test_quantity_limit_per_line(scope, owner, make_item):
    plenty = make_item(stock=1000)
    _add(scope, owner, plenty, MAX_QUANTITY)
    with pytest.raises(CartError, match=f"At most {MAX_QUANTITY}"):
        _add(scope, owner, plenty, 1)
    assert _quantities(scope, owner) == {plenty: MAX_QUANTITY}


def test_add_above_stock_is_refused_and_changes_nothing(scope, snapshot, owner, make_item):
    scarce = make_item("Scarce Bond", stock=5)
    before = snapshot()
    with pytest.raises(CartError, match="Only 5 units of Scarce Bond"):
        _add(scope, owner, scarce, 6)
    assert snapshot() == before


def test_increase_above_stock_is_refused(scope, snapshot, owner, make_item):
    scarce = make_item(stock=5)
    _add(scope, owner, scarce, 3)
    before = snapshot()
    with pytest.raises(CartError):
        _add(scope, owner, scarce, 3, now=T0 + 60)
    assert snapshot() == before
    _add(scope, owner, scarce, 2)
    assert _quantities(scope, owner) == {scarce: 5}


def test_set_quantity_above_stock_is_refused(scope, snapshot, owner, make_item):
    scarce = make_item(stock=5)
    _add(scope, owner, scarce, 1)
    before = snapshot()
    with pytest.raises(CartError):
        _set(scope, owner, scarce, 6, now=T0 + 60)
    assert snapshot() == before


def test_out_of_stock_product_cannot_be_added(scope, owner, make_item):
    gone = make_item("Sold Out Token", category="crypto", stock=0)
    with pytest.raises(CartError, match="out of stock"):
        _add(scope, owner, gone, 1)
    assert _lines(scope, owner) == []


def test_lowering_below_a_shrunk_stock_is_allowed(scope, owner, make_item):
    scarce = make_item(stock=10)
    _add(scope, owner, scarce, 8)
    _set_item(scope, scarce, stock=3)
    _set(scope, owner, scarce, 5)  # still above stock, but lower than before
    _decrease(scope, owner, scarce)
    assert _quantities(scope, owner) == {scarce: 4}
    with pytest.raises(CartError):
        _set(scope, owner, scarce, 5)  # raising again is checked


def test_cart_holds_at_most_max_lines_products(scope, snapshot, owner, make_item):
    ids = [make_item(stock=5) for _ in range(MAX_LINES + 1)]
    with scope() as db:
        for item_id in ids[:MAX_LINES]:
            add_item(db, owner, item_id=item_id, quantity=1, now=T0)
    before = snapshot()
    with pytest.raises(CartError, match=f"at most {MAX_LINES} different products"):
        _add(scope, owner, ids[-1], 1, now=T0 + 60)
    assert snapshot() == before
    _add(scope, owner, ids[0], 1)  # a product already in the cart can still be increased
    assert len(_lines(scope, owner)) == MAX_LINES


# --- which products ----------------------------------------------------------------------


@pytest.mark.parametrize("item_id", [999_999, 0, -1, 2**31, 2**63, "1", "abc", None, 1.0, True])
def test_unknown_products_are_refused(scope, snapshot, owner, item, item_id):
    before = snapshot()
    with pytest.raises(CartError):
        _add(scope, owner, item_id, 1)
    assert snapshot() == before


def test_inactive_product_cannot_be_added(scope, snapshot, owner, make_item):
    retired = make_item(active=False)
    before = snapshot()
    with pytest.raises(CartError, match="not available"):
        _add(scope, owner, retired, 1)
    assert snapshot() == before


def test_inactive_product_stays_in_the_cart_marked_unavailable(scope, owner, item):
    _add(scope, owner, item, 2)
    _set_item(scope, item, is_active=False)
    [line] = _lines(scope, owner)
    assert line.available is False
    with pytest.raises(CartError):
        _add(scope, owner, item, 1)


def test_withdrawn_product_can_be_lowered_but_not_raised(scope, owner, item):
    _add(scope, owner, item, 3)
    _set_item(scope, item, is_active=False)
    _decrease(scope, owner, item)
    _set(scope, owner, item, 1)
    assert _quantities(scope, owner) == {item: 1}
    with pytest.raises(CartError):
        _set(scope, owner, item, 2)
    _decrease(scope, owner, item)  # at one unit: removed
    assert _lines(scope, owner) == []


# --- prices ----------------------------------------------------------------------------


def test_line_shows_the_current_price_after_a_change(scope, owner, item):
    _add(scope, owner, item, 2)
    _set_item(scope, item, price_cents=3100)
    [line] = _lines(scope, owner)
    assert (line.unit_price_cents, line.seen_price_cents) == (3100, 2500)
    assert line.line_total_cents == 6200
    assert line.price_changed is True


def test_accept_current_prices_clears_the_change(scope, owner, item, make_item):
    steady = make_item(price_cents=700)
    _add(scope, owner, item, 2)
    _add(scope, owner, steady, 1)
    _set_item(scope, item, price_cents=1999)
    with scope() as db:
        accept_current_prices(db, owner, now=T0 + 60)
    by_id = {line.item_id: line for line in _lines(scope, owner)}
    assert (by_id[item].seen_price_cents, by_id[item].price_changed) == (1999, False)
    assert (by_id[steady].seen_price_cents, by_id[steady].price_changed) == (700, False)


def test_accept_prices_as_shown_accepts_what_the_screen_showed(scope, owner, item):
    _add(scope, owner, item, 1)
    _set_item(scope, item, price_cents=2700)
    with scope() as db:
        accept_current_prices(db, owner, now=T0 + 60, shown={item: 2700})
    [line] = _lines(scope, owner)
    assert (line.seen_price_cents, line.price_changed) == (2700, False)


def test_accept_prices_as_shown_refuses_a_price_that_moved_again(scope, snapshot, owner, item):
    _add(scope, owner, item, 1)
    _set_item(scope, item, price_cents=2700)  # the screen shows 27.00 ...
    _set_item(scope, item, price_cents=2900)  # ... and the price moves once more
    before = snapshot()
    with pytest.raises(CartError, match="changed again"), scope() as db:
        accept_current_prices(db, owner, now=T0 + 60, shown={item: 2700})
    assert snapshot() == before
    assert _lines(scope, owner)[0].price_changed is True


def test_accept_current_prices_without_a_cart_does_nothing(scope, snapshot, owner):
    before = snapshot()
    with scope() as db:
        accept_current_prices(db, owner, now=T0)
    assert snapshot() == before


def test_price_back_to_the_seen_one_is_not_a_change(scope, owner, item):
    _add(scope, owner, item, 1)
    _set_item(scope, item, price_cents=3000)
    _set_item(scope, item, price_cents=2500)
    assert _lines(scope, owner)[0].price_changed is False


# --- visitors and merging at login -----------------------------------------------------


@pytest.fixture
def visitor() -> CartOwner:
    return CartOwner(visitor_token=new_visitor_token())


def _merge(scope, token, user_id, now=T0 + 100):
    with scope() as db:
        merge_visitor_cart(db, visitor_token=token, user_id=user_id, now=now)


def _carts(scope) -> list[tuple[int | None, str | None]]:
    with scope(read_only=True) as db:
        return [(c.user_id, c.visitor_token) for c in db.exec(select(Cart)).all()]


def test_new_visitor_tokens_are_valid_and_distinct():
    tokens = {new_visitor_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(valid_visitor_token(token) for token in tokens)


@pytest.mark.parametrize(
    "token",
    [None, "", "short", 42, "a" * 42, "a" * 44, "a" * 42 + "!", "a" * 42 + "é", b"a" * 43],
    ids=repr,
)
def test_valid_visitor_token_refuses(token):
    assert valid_visitor_token(token) is False


def test_visitor_and_user_carts_are_separate(scope, owner, visitor, item, make_item):
    other = make_item()
    _add(scope, visitor, item, 2)
    _add(scope, owner, other, 3)
    second_visitor = CartOwner(visitor_token=new_visitor_token())
    assert _quantities(scope, visitor) == {item: 2}
    assert _quantities(scope, owner) == {other: 3}
    assert _quantities(scope, second_visitor) == {}


def test_users_carts_are_separate(scope, make_user, item):
    first, second = CartOwner(user_id=make_user()), CartOwner(user_id=make_user())
    _add(scope, first, item, 2)
    assert _quantities(scope, second) == {}
    with pytest.raises(CartError):
        _remove(scope, second, item)
    assert _quantities(scope, first) == {item: 2}


@pytest.mark.parametrize(
    "bad_owner",
    [CartOwner(), CartOwner(visitor_token="not-a-token"), CartOwner(visitor_token="a" * 42 + "!")],
    ids=["nobody", "short-token", "bad-char-token"],
)
def test_cart_without_a_valid_owner_is_refused(scope, snapshot, item, bad_owner):
    before = snapshot()
    with pytest.raises(CartError):
        _add(scope, bad_owner, item, 1)
    assert snapshot() == before
    assert _lines(scope, bad_owner) == []


def test_merge_adds_quantities_and_moves_new_lines(scope, owner, visitor, make_item):
    shared, only_visitor, only_user = make_item(), make_item(), make_item()
    _add(scope, owner, shared, 2)
    _add(scope, owner, only_user, 1)
    _add(scope, visitor, shared, 3)
    _add(scope, visitor, only_visitor, 4)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {shared: 5, only_user: 1, only_visitor: 4}


def test_merge_deletes_the_visitor_cart(scope, owner, visitor, item):
    _add(scope, visitor, item, 3)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _lines(scope, visitor) == []
    assert _carts(scope) == [(owner.user_id, None)]
    with scope(read_only=True) as db:
        assert {line.cart_id for line in db.exec(select(CartLine)).all()} == {
            db.exec(select(Cart.id).where(Cart.user_id == owner.user_id)).one()
        }


def test_merge_into_a_user_without_a_cart_creates_it(scope, owner, visitor, item):
    _add(scope, visitor, item, 3)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {item: 3}


def test_merge_caps_added_quantities_at_stock(scope, owner, visitor, make_item):
    scarce = make_item(stock=6)
    _add(scope, owner, scarce, 4)
    _add(scope, visitor, scarce, 4)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {scarce: 6}


def test_merge_caps_added_quantities_at_the_line_limit(scope, owner, visitor, make_item):
    plenty = make_item(stock=1000)
    _add(scope, owner, plenty, 30)
    _add(scope, visitor, plenty, 30)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {plenty: MAX_QUANTITY}


def test_merge_caps_a_moved_line_at_a_shrunk_stock(scope, owner, visitor, make_item):
    scarce = make_item(stock=10)
    _add(scope, visitor, scarce, 8)
    _set_item(scope, scarce, stock=3)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {scarce: 3}


def test_merge_never_lowers_the_users_quantity(scope, owner, visitor, make_item):
    scarce = make_item(stock=10)
    _add(scope, owner, scarce, 8)
    _add(scope, visitor, scarce, 1)
    _set_item(scope, scarce, stock=2)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {scarce: 8}


def test_merge_skips_unavailable_and_sold_out_products(scope, owner, visitor, make_item):
    kept, retired, sold_out = make_item(), make_item(), make_item()
    for item_id in (kept, retired, sold_out):
        _add(scope, visitor, item_id, 1)
    _set_item(scope, retired, is_active=False)
    _set_item(scope, sold_out, stock=0)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {kept: 1}
    assert _carts(scope) == [(owner.user_id, None)]


def test_merge_keeps_the_price_the_visitor_saw(scope, owner, visitor, item):
    _add(scope, visitor, item, 1)
    _set_item(scope, item, price_cents=2600)
    _merge(scope, visitor.visitor_token, owner.user_id)
    [line] = _lines(scope, owner)
    assert (line.seen_price_cents, line.price_changed) == (2500, True)


def test_merge_respects_the_line_limit(scope, owner, visitor, make_item):
    ids = [make_item(stock=5) for _ in range(MAX_LINES + 2)]
    with scope() as db:
        for item_id in ids[:MAX_LINES]:
            add_item(db, owner, item_id=item_id, quantity=1, now=T0)
        for item_id in ids[MAX_LINES - 1 :]:
            add_item(db, visitor, item_id=item_id, quantity=2, now=T0)
    _merge(scope, visitor.visitor_token, owner.user_id)
    quantities = _quantities(scope, owner)
    assert len(quantities) == MAX_LINES
    assert quantities[ids[MAX_LINES - 1]] == 3


@pytest.mark.parametrize(
    "token", [None, "", "short", 42, "a" * 42 + "!", "a" * 44, "unknown"], ids=repr
)
def test_merge_ignores_invalid_or_unknown_tokens(scope, snapshot, owner, visitor, item, token):
    _add(scope, visitor, item, 1)
    _add(scope, owner, item, 2)
    before = snapshot()
    _merge(scope, new_visitor_token() if token == "unknown" else token, owner.user_id)
    assert snapshot() == before


def test_merge_of_the_same_token_twice_adds_once(scope, owner, visitor, item):
    _add(scope, visitor, item, 2)
    _merge(scope, visitor.visitor_token, owner.user_id)
    _merge(scope, visitor.visitor_token, owner.user_id)
    assert _quantities(scope, owner) == {item: 2}
