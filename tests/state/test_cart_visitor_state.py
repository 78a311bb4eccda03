"""A visitor's cart follows its random token, and joins the account's cart at log-in or
registration."""

from __future__ import annotations

import uuid

import pytest
from cart_helpers import row_ids, visitor_cart_exists
from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import username_key
from fintech_ui.services.cart import valid_visitor_token
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState

# ------------------------------------------------------------------- visitor carts


def test_visitor_add_to_cart_creates_a_well_formed_visitor_token(make_state, handle, shop):
    product = shop.insert_item()
    state = make_state(CartState, url="/")
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert valid_visitor_token(state.visitor_token)


def test_visitor_add_to_cart_puts_the_line_in_the_visitor_cart(make_state, handle, shop):
    product = shop.insert_item()
    state = make_state(CartState, url="/")
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert shop.cart_contents(visitor_token=state.visitor_token) == [(product.id, 1, 1_000)]


def test_visitor_add_to_cart_is_not_logged_in(make_state, handle, shop):
    product = shop.insert_item()
    state = make_state(CartState, url="/")
    handle(state, CartState.add_to_cart, item_id=product.id)
    assert state.logged_in is False


def test_same_visitor_token_in_a_new_state_sees_the_same_cart(make_state, handle, shop):
    product = shop.insert_item()
    first = make_state(CartState, url="/")
    handle(first, CartState.add_to_cart, item_id=product.id)
    handle(first, CartState.add_to_cart, item_id=product.id)
    second = make_state(CartState, url="/cart")
    second.visitor_token = first.visitor_token
    handle(second, CartState.load)
    assert [(row.item_id, row.quantity) for row in second.rows] == [(product.id, 2)]


def test_another_visitor_token_does_not_see_the_cart(make_state, handle, shop):
    product = shop.insert_item()
    first = make_state(CartState, url="/")
    handle(first, CartState.add_to_cart, item_id=product.id)
    stranger = make_state(CartState, url="/")
    handle(stranger, CartState.add_to_cart, item_id=shop.insert_item().id)
    assert product.id not in row_ids(stranger)


@pytest.mark.parametrize(
    "token",
    ["", "short", "a" * 42 + "!", "a" * 44, None, 5, ["a" * 43]],
    ids=["empty", "short", "bad character", "too long", "none", "int", "list"],
)
def test_load_with_malformed_visitor_token_shows_an_empty_cart(make_state, handle, token):
    state = make_state(CartState, url="/cart")
    state.visitor_token = token
    handle(state, CartState.load)
    assert (list(state.rows), state.count) == ([], 0)


@pytest.mark.parametrize("token", ["", "short", None, 5], ids=["empty", "short", "none", "int"])
def test_add_to_cart_with_malformed_visitor_token_issues_a_well_formed_one(
    make_state, handle, shop, token
):
    state = make_state(CartState, url="/")
    state.visitor_token = token
    handle(state, CartState.add_to_cart, item_id=shop.insert_item().id)
    assert valid_visitor_token(state.visitor_token)


@pytest.fixture
def visitor_tab(make_state, handle, shop):
    """`visitor_tab(url)`: a tab's AuthState whose CartState holds 3 units as a visitor."""

    def make(url: str):
        product = shop.insert_item(stock=50)
        auth = make_state(AuthState, url=url)
        cart = shop.sibling_state(auth, CartState)
        for _ in range(3):
            handle(cart, CartState.add_to_cart, item_id=product.id)
        return auth, cart, product

    return make


def test_log_in_moves_the_visitor_lines_into_the_users_cart(visitor_tab, handle, new_account, shop):
    auth, _cart, product = visitor_tab("/login?next=%2Fcart")
    account = new_account()
    form = {"username": account.username, "password": account.password}
    handle(auth, AuthState.log_in, form_data=form)
    assert shop.cart_contents(user_id=account.id) == [(product.id, 3, 1_000)]


def test_log_in_clears_the_visitor_token(visitor_tab, handle, new_account):
    auth, cart, _product = visitor_tab("/login")
    account = new_account()
    handle(
        auth,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert cart.visitor_token == ""


def test_log_in_deletes_the_visitor_cart(visitor_tab, handle, new_account):
    auth, cart, _product = visitor_tab("/login")
    token = cart.visitor_token
    account = new_account()
    handle(
        auth,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert not visitor_cart_exists(token)


def test_log_in_adds_visitor_units_to_the_users_existing_line(
    visitor_tab, handle, new_account, shop
):
    auth, _cart, product = visitor_tab("/login")
    account = new_account()
    shop.put_in_cart(account.id, product.id, 2)
    handle(
        auth,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert shop.cart_contents(user_id=account.id) == [(product.id, 5, 1_000)]


def test_failed_log_in_keeps_the_visitor_cart(visitor_tab, handle, new_account, shop):
    auth, cart, product = visitor_tab("/login")
    account = new_account()
    handle(
        auth, AuthState.log_in, form_data={"username": account.username, "password": "wrong-" * 3}
    )
    assert shop.cart_contents(visitor_token=cart.visitor_token) == [(product.id, 3, 1_000)]


def _registration(username: str) -> dict[str, str]:
    password = "Violet-Harbour-Lantern-42"
    return {"username": username, "password": password, "confirm_password": password}


def _user_id(username: str) -> int:
    with session_scope(read_only=True) as db:
        user_id = db.exec(select(User.id).where(User.username_key == username_key(username))).one()
    assert user_id is not None
    return user_id


def test_register_moves_the_visitor_lines_into_the_new_users_cart(visitor_tab, handle, shop):
    auth, _cart, product = visitor_tab("/register")
    name = "c" + uuid.uuid4().hex[:17]
    handle(auth, AuthState.register, form_data=_registration(name))
    assert shop.cart_contents(user_id=_user_id(name)) == [(product.id, 3, 1_000)]


def test_register_clears_the_visitor_token(visitor_tab, handle):
    auth, cart, _product = visitor_tab("/register")
    name = "c" + uuid.uuid4().hex[:17]
    handle(auth, AuthState.register, form_data=_registration(name))
    assert cart.visitor_token == ""
