"""CartState.checkout and buy_line: money is taken only from a live session's balance,
once per purchase; short of money or logged out, nothing changes."""

from __future__ import annotations

import asyncio

import pytest
from cart_helpers import item_stock, order_count
from sqlmodel import select
from state_helpers import redirect_path, revoke

from fintech_ui.db import session_scope
from fintech_ui.models import LedgerEntry
from fintech_ui.services.orders import CART_CHANGED
from fintech_ui.state.account import AccountState
from fintech_ui.state.cart import CartState

# ------------------------------------------------------------------------ checkout


def test_checkout_as_visitor_redirects_to_login_with_next_cart(make_state, handle, shop):
    state = make_state(CartState, url="/cart")
    handle(state, CartState.add_to_cart, item_id=shop.insert_item().id)
    assert redirect_path(handle(state, CartState.checkout)) == "/login?next=%2Fcart"


def test_checkout_as_visitor_places_no_order(make_state, handle, shop):
    state = make_state(CartState, url="/cart")
    handle(state, CartState.add_to_cart, item_id=shop.insert_item().id)
    before = order_count()
    handle(state, CartState.checkout)
    assert order_count() == before


def test_buy_line_as_visitor_redirects_to_login_with_next_cart(make_state, handle, shop):
    product = shop.insert_item()
    state = make_state(CartState, url="/cart")
    handle(state, CartState.add_to_cart, item_id=product.id)
    result = handle(state, CartState.buy_line, item_id=product.id)
    assert redirect_path(result) == "/login?next=%2Fcart"


def test_buy_line_as_visitor_places_no_order(make_state, handle, shop):
    product = shop.insert_item()
    state = make_state(CartState, url="/cart")
    handle(state, CartState.add_to_cart, item_id=product.id)
    before = order_count()
    handle(state, CartState.buy_line, item_id=product.id)
    assert order_count() == before


def test_checkout_places_exactly_one_order(buyer, handle, shop):
    handle(buyer.state(), CartState.checkout)
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_message_names_the_order_and_its_total(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout)
    (order_id,) = shop.order_ids(buyer.account.id)
    assert state.message == f"Order #{order_id} placed: $25.00."


def test_checkout_sets_last_order_id(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout)
    assert [state.last_order_id] == shop.order_ids(buyer.account.id)


def test_checkout_sets_no_error(buyer, handle):
    state = buyer.state()
    handle(state, CartState.checkout)
    assert state.error == ""


def test_checkout_empties_the_shown_cart(buyer, handle):
    state = buyer.state()
    handle(state, CartState.load)
    handle(state, CartState.checkout)
    assert (list(state.rows), state.count, state.total_cents) == ([], 0, 0)


def test_checkout_empties_the_database_cart(buyer, handle):
    handle(buyer.state(), CartState.checkout)
    assert buyer.cart() == []


def test_checkout_debits_the_total_from_the_balance(buyer, handle, shop):
    handle(buyer.state(), CartState.checkout)
    assert shop.balance_cents(buyer.account.id) == 10_000 - 2_500


def test_checkout_records_one_purchase_in_the_ledger(buyer, handle):
    handle(buyer.state(), CartState.checkout)
    with session_scope(read_only=True) as db:
        purchases = db.exec(
            select(LedgerEntry.amount_cents).where(
                LedgerEntry.user_id == buyer.account.id, LedgerEntry.kind == "purchase"
            )
        ).all()
    assert purchases == [-2_500]


def test_checkout_takes_the_units_from_stock(buyer, handle):
    handle(buyer.state(), CartState.checkout)
    assert item_stock(buyer.product.id) == 20 - 2


def test_buy_line_buys_only_that_line(buyer, handle, shop):
    other = shop.insert_item(price_cents=300)
    shop.put_in_cart(buyer.account.id, other.id, 1)
    handle(buyer.state(), CartState.buy_line, item_id=other.id)
    assert buyer.cart() == [(buyer.product.id, 2, 1_250)]


def test_buy_line_debits_only_that_lines_total(buyer, handle, shop):
    other = shop.insert_item(price_cents=300)
    shop.put_in_cart(buyer.account.id, other.id, 1)
    handle(buyer.state(), CartState.buy_line, item_id=other.id)
    assert shop.balance_cents(buyer.account.id) == 10_000 - 300


# ---------------------------------------------------------- checkout: short of money


@pytest.fixture
def short_buyer(customer, shop):
    """The customer with $10.00 for a $25.00 cart."""
    shop.deposit_cents(customer.account.id, 1_000)
    return customer


def test_checkout_short_of_money_names_the_shortfall(short_buyer, handle):
    state = short_buyer.state()
    handle(state, CartState.checkout)
    assert state.error == "Not enough money: the total is $25.00 but your balance is $10.00."


def test_checkout_short_of_money_places_no_order(short_buyer, handle, shop):
    handle(short_buyer.state(), CartState.checkout)
    assert shop.order_ids(short_buyer.account.id) == []


def test_checkout_short_of_money_keeps_the_balance(short_buyer, handle, shop):
    handle(short_buyer.state(), CartState.checkout)
    assert shop.balance_cents(short_buyer.account.id) == 1_000


def test_checkout_short_of_money_keeps_the_cart(short_buyer, handle):
    before = short_buyer.cart()
    handle(short_buyer.state(), CartState.checkout)
    assert short_buyer.cart() == before


def test_checkout_short_of_money_keeps_the_stock(short_buyer, handle):
    handle(short_buyer.state(), CartState.checkout)
    assert item_stock(short_buyer.product.id) == 20


def test_checkout_short_of_money_sets_no_success_message(short_buyer, handle):
    state = short_buyer.state()
    handle(state, CartState.checkout)
    assert state.message == ""


# ------------------------------------------------------ checkout: replays and twins


def test_checkout_called_twice_places_exactly_one_order(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout)
    handle(state, CartState.checkout)
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_called_twice_debits_once(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout)
    handle(state, CartState.checkout)
    assert shop.balance_cents(buyer.account.id) == 10_000 - 2_500


def test_second_click_of_a_double_click_shows_the_same_order_again(buyer, handle, shop):
    # Both clicks carry the version on screen before the first one was answered.
    state = buyer.state()
    shown = state.version
    handle(state, CartState.checkout, version=shown)
    first_message = state.message
    handle(state, CartState.checkout, version=shown)
    assert (state.error, state.message) == ("", first_message)
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_after_the_cart_changed_elsewhere_asks_to_review_it_first(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout, version=state.version)
    other_tab = buyer.state()
    handle(other_tab, CartState.add_to_cart, item_id=buyer.product.id)
    handle(state, CartState.checkout, version=state.version)  # the empty cart on screen
    assert state.error == CART_CHANGED
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_after_reviewing_the_changed_cart_is_a_new_purchase(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout, version=state.version)
    other_tab = buyer.state()
    handle(other_tab, CartState.add_to_cart, item_id=buyer.product.id)
    handle(state, CartState.checkout, version=state.version)  # refused; the fresh cart shown
    handle(state, CartState.checkout, version=state.version)
    assert len(shop.order_ids(buyer.account.id)) == 2


# -------------------------------------- the cart on screen is the cart bought (defect 4)


def test_checkout_refuses_a_cart_changed_in_another_tab(buyer, handle, shop):
    # Tab A shows 2 units ($25.00); tab B raises the quantity; Checkout in tab A buys nothing.
    tab_a = buyer.state()
    tab_b = buyer.state()
    for _ in range(3):
        handle(tab_b, CartState.increase, item_id=buyer.product.id)
    handle(tab_a, CartState.checkout, version=tab_a.version)
    assert tab_a.error == CART_CHANGED
    assert shop.order_ids(buyer.account.id) == []
    assert shop.balance_cents(buyer.account.id) == 10_000


def test_refused_checkout_shows_the_fresh_cart(buyer, handle):
    tab_a = buyer.state()
    tab_b = buyer.state()
    handle(tab_b, CartState.increase, item_id=buyer.product.id)
    handle(tab_a, CartState.checkout, version=tab_a.version)
    assert [(row.item_id, row.quantity) for row in tab_a.rows] == [(buyer.product.id, 3)]
    assert tab_a.version == tab_b.version


def test_buy_line_refuses_a_cart_changed_in_another_tab(buyer, handle, shop):
    tab_a = buyer.state()
    handle(buyer.state(), CartState.increase, item_id=buyer.product.id)
    handle(tab_a, CartState.buy_line, item_id=buyer.product.id, version=tab_a.version)
    assert tab_a.error == CART_CHANGED
    assert shop.order_ids(buyer.account.id) == []


@pytest.mark.parametrize("version", [5, 1.5, ["v"], {"v": 1}, True], ids=repr)
def test_checkout_refuses_a_version_that_is_not_text(buyer, handle, shop, version):
    state = buyer.state()
    handle(state, CartState.checkout, version=version)
    assert state.error and shop.order_ids(buyer.account.id) == []


# ---------------------------------------- a new purchase needs a new key (defect 5)


def test_the_same_line_added_again_after_an_order_is_bought_again(buyer, handle, shop):
    # Before: the key survived the order, and the second Checkout answered "Order #1 placed"
    # again for the old order, buying nothing.
    tab_a = buyer.state()
    handle(tab_a, CartState.checkout, version=tab_a.version)
    first = tab_a.last_order_id
    shop.put_in_cart(buyer.account.id, buyer.product.id, 2)  # the API or another tab
    handle(tab_a, CartState.load)
    handle(tab_a, CartState.checkout, version=tab_a.version)
    orders = shop.order_ids(buyer.account.id)
    assert len(orders) == 2
    assert tab_a.last_order_id != first
    assert tab_a.message.startswith(f"Order #{tab_a.last_order_id} placed")


def test_each_order_gets_a_new_checkout_key(buyer, handle):
    state = buyer.state()
    key = state._checkout_key
    handle(state, CartState.checkout, version=state.version)
    assert state._checkout_key not in ("", key)


def test_replayed_checkout_with_the_same_key_answers_with_the_same_order(buyer, handle, shop):
    first, replay = buyer.state(), buyer.state()
    handle(first, CartState.load)
    replay._checkout_key = first._checkout_key  # the same request, delivered twice
    handle(first, CartState.checkout)
    handle(replay, CartState.checkout)
    assert replay.last_order_id == first.last_order_id != 0


def test_replayed_checkout_with_the_same_key_places_exactly_one_order(buyer, handle, shop):
    first, replay = buyer.state(), buyer.state()
    handle(first, CartState.load)
    replay._checkout_key = first._checkout_key
    handle(first, CartState.checkout)
    handle(replay, CartState.checkout)
    assert len(shop.order_ids(buyer.account.id)) == 1


async def _both(*coroutines):
    return await asyncio.gather(*coroutines)


def test_concurrent_checkouts_from_two_tabs_place_exactly_one_order(buyer, shop):
    tabs = [buyer.state(), buyer.state()]
    asyncio.run(_both(*(CartState.checkout.fn(tab) for tab in tabs)))
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_concurrent_checkouts_from_two_tabs_debit_once(buyer, shop):
    tabs = [buyer.state(), buyer.state()]
    asyncio.run(_both(*(CartState.checkout.fn(tab) for tab in tabs)))
    assert shop.balance_cents(buyer.account.id) == 10_000 - 2_500


# ---------------------------------------------------- checkout: dead session cookie


@pytest.fixture
def revoked_buyer(new_account, open_session, cookie_for, make_state, shop):
    """(account, product, CartState) of a funded user with a cart whose session was revoked."""
    account = new_account()
    token = open_session(account)
    product = shop.insert_item(price_cents=1_250, stock=20)
    shop.put_in_cart(account.id, product.id, 2)
    shop.deposit_cents(account.id, 10_000)
    state = make_state(CartState, cookie=cookie_for(token), url="/cart")
    revoke(token)
    return account, product, state


def test_checkout_with_revoked_session_redirects_to_login(revoked_buyer, handle):
    _account, _product, state = revoked_buyer
    assert redirect_path(handle(state, CartState.checkout)) == "/login?next=%2Fcart"


def test_checkout_with_revoked_session_places_no_order(revoked_buyer, handle, shop):
    account, _product, state = revoked_buyer
    handle(state, CartState.checkout)
    assert shop.order_ids(account.id) == []


def test_checkout_with_revoked_session_keeps_the_balance(revoked_buyer, handle, shop):
    account, _product, state = revoked_buyer
    handle(state, CartState.checkout)
    assert shop.balance_cents(account.id) == 10_000


def test_checkout_with_revoked_session_keeps_the_cart(revoked_buyer, handle, shop):
    account, product, state = revoked_buyer
    handle(state, CartState.checkout)
    assert shop.cart_contents(user_id=account.id) == [(product.id, 2, 1_250)]


def test_buy_line_with_revoked_session_places_no_order(revoked_buyer, handle, shop):
    account, product, state = revoked_buyer
    handle(state, CartState.buy_line, item_id=product.id)
    assert shop.order_ids(account.id) == []


def test_add_to_cart_with_revoked_session_leaves_the_users_cart_alone(revoked_buyer, handle, shop):
    account, product, state = revoked_buyer
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert shop.cart_contents(user_id=account.id) == [(product.id, 2, 1_250)]


# ---------------------------- an add leaves the rows out of its update (issue 13, WP7)


def test_checkout_after_an_add_whose_rows_were_not_shown_asks_to_review_first(buyer, handle, shop):
    # A product card's add sends only the count and total: the tab's version is then that of
    # no rows on screen, so a checkout from it buys nothing until the cart page is shown.
    state = buyer.state()
    handle(state, CartState.add_to_cart, item_id=buyer.product.id)
    assert (state.rows, state.version, state.count) == ([], "", 3)
    handle(state, CartState.checkout, version=state.version)
    assert state.error == CART_CHANGED
    assert shop.order_ids(buyer.account.id) == []
    handle(state, CartState.checkout, version=state.version)  # the fresh cart was shown
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_add_to_cart_with_an_ended_session_forgets_the_users_cart(
    new_account, open_session, cookie_for, make_state, handle, shop
):
    # The session is checked in the cart change's own transaction; an ended one empties the
    # tab's private states, as current_user does, and the click goes to a visitor cart.
    account = new_account()
    token = open_session(account)
    product = shop.insert_item(price_cents=1_250, stock=20)
    shop.put_in_cart(account.id, product.id, 2)
    state = make_state(CartState, cookie=cookie_for(token), url="/cart")
    account_page = state._get_root_state().get_substate([AccountState.get_name()])
    handle(state, CartState.load)
    handle(account_page, AccountState.load)
    assert (state.logged_in, state.count, len(state.rows)) == (True, 2, 1)
    assert account_page.account_name == account.username
    revoke(token)
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert (state.logged_in, state.count, state.rows) == (False, 1, [])
    assert account_page.account_name == ""
    assert shop.cart_contents(user_id=account.id) == [(product.id, 2, 1_250)]
