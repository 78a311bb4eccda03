"""CartState.add_to_cart, increase, decrease and remove: quantities stay within the
per-line limit and the stock, and the shown cart matches the database."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from fintech_ui.db import session_scope
from fintech_ui.models import Item
from fintech_ui.services.cart import MAX_QUANTITY
from fintech_ui.state.cart import CartState

# ---------------------------------------------------------------- quantity limits


def test_sixty_increases_stop_at_the_per_line_limit(
    make_state, handle, new_account, open_session, cookie_for, shop
):
    account = new_account()
    product = shop.insert_item(stock=1_000)
    state = make_state(CartState, cookie=cookie_for(open_session(account)), url="/cart")
    for _ in range(60):
        handle(state, CartState.increase, item_id=product.id)
    assert shop.cart_contents(user_id=account.id) == [(product.id, MAX_QUANTITY, 1_000)]


def test_increase_beyond_the_per_line_limit_says_so(
    make_state, handle, new_account, open_session, cookie_for, shop
):
    account = new_account()
    product = shop.insert_item(stock=1_000)
    shop.put_in_cart(account.id, product.id, MAX_QUANTITY)
    state = make_state(CartState, cookie=cookie_for(open_session(account)), url="/cart")
    handle(state, CartState.increase, item_id=product.id)
    assert state.error == f"At most {MAX_QUANTITY} units of {product.name} per order."


def test_sixty_increases_stop_at_the_stock(
    make_state, handle, new_account, open_session, cookie_for, shop
):
    account = new_account()
    product = shop.insert_item(stock=7)
    state = make_state(CartState, cookie=cookie_for(open_session(account)), url="/cart")
    for _ in range(60):
        handle(state, CartState.increase, item_id=product.id)
    assert shop.cart_contents(user_id=account.id) == [(product.id, 7, 1_000)]


def test_increase_beyond_the_stock_says_how_many_are_left(
    make_state, handle, new_account, open_session, cookie_for, shop
):
    account = new_account()
    product = shop.insert_item(stock=7)
    shop.put_in_cart(account.id, product.id, 7)
    state = make_state(CartState, cookie=cookie_for(open_session(account)), url="/cart")
    handle(state, CartState.increase, item_id=product.id)
    assert state.error == f"Only 7 units of {product.name} are in stock."


def test_sixty_add_to_cart_calls_as_visitor_stop_at_the_per_line_limit(make_state, handle, shop):
    product = shop.insert_item(stock=1_000)
    state = make_state(CartState, url="/")
    for _ in range(60):
        handle(state, CartState.add_to_cart, item_id=product.id)
    assert shop.cart_contents(visitor_token=state.visitor_token) == [
        (product.id, MAX_QUANTITY, 1_000)
    ]


def test_add_to_cart_of_out_of_stock_product_adds_nothing(customer, handle, shop):
    product = shop.insert_item(stock=0)
    state = customer.state()
    before = customer.cart()
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert customer.cart() == before


def test_state_count_matches_the_database_after_increases(customer, handle):
    state = customer.state()
    for _ in range(3):
        handle(state, CartState.increase, item_id=customer.product.id)
    assert state.count == customer.cart()[0][1] == 5


def test_decrease_takes_one_unit_off(customer, handle):
    state = customer.state()
    handle(state, CartState.decrease, item_id=customer.product.id)
    assert customer.cart() == [(customer.product.id, 1, 1_250)]


def test_decrease_at_one_unit_removes_the_line(customer, handle):
    state = customer.state()
    handle(state, CartState.decrease, item_id=customer.product.id)
    handle(state, CartState.decrease, item_id=customer.product.id)
    assert customer.cart() == []


def test_remove_drops_the_line(customer, handle):
    state = customer.state()
    handle(state, CartState.remove, item_id=customer.product.id)
    assert customer.cart() == []


def test_remove_drops_a_line_whose_product_was_withdrawn(customer, handle):
    with session_scope() as db:
        db.exec(update(Item).where(col(Item.id) == customer.product.id).values(is_active=False))
    state = customer.state()
    handle(state, CartState.remove, item_id=customer.product.id)
    assert customer.cart() == []
