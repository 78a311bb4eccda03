"""CartState's handlers, called directly with whatever JSON a browser could send.

Every handler is reachable over the websocket by name with any payload. A product id that is
not a real, on-sale product's int must leave the database cart exactly as it was and say why;
quantities stay within the per-line limit and the stock; a visitor's cart follows its random
token and joins the account's at log-in or registration; and checkout takes money only from a
live session's balance, once per purchase, at prices the shopper has confirmed.

Calling `fn(state, **payload)` skips Reflex's payload coercion (`_prepare_event_payload`
turns a numeric string into an int for an `int` annotation), so the handlers must refuse
every shape on their own. An argument a handler does not take (a `price_cents`, a missing
`item_id`) fails at the call with TypeError before any handler code runs; Reflex's event
processor catches it and hands it to the app's `backend_exception_handler`
(`fintech_ui.fintech_ui._on_backend_error`), whose toast must not leak the exception.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from reflex.event import EventSpec
from sqlalchemy import func, update
from sqlmodel import col, select

from fintech_ui.db import session_scope
from fintech_ui.models import Cart, Item, LedgerEntry, Order, User
from fintech_ui.security import username_key
from fintech_ui.services.cart import MAX_QUANTITY, valid_visitor_token
from fintech_ui.services.sessions import revoke_session
from fintech_ui.settings import get_settings
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState

# ---------------------------------------------------------------------------- helpers


def spec_args(spec: EventSpec) -> dict[str, Any]:
    """The arguments of an event spec by name: the literal value, else the JS expression."""
    return {
        name._js_expr: getattr(value, "_var_value", None)
        if getattr(value, "_var_value", None) is not None
        else str(value)
        for name, value in spec.args
    }


def redirect_path(spec: object) -> str:
    """The path of an `rx.redirect` spec."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    args = spec_args(spec)
    assert "path" in args, f"not a redirect: {spec!r}"
    return args["path"]


def toast_code(spec: object) -> str:
    """The JavaScript a toast spec runs (it holds the toast's kind and text)."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    code = spec_args(spec).get("function", "")
    assert "__toast" in code, f"not a toast: {spec!r}"
    return code


def order_count() -> int:
    """All orders of all users."""
    with session_scope(read_only=True) as db:
        return db.exec(select(func.count()).select_from(Order)).one()


def item_stock(item_id: int) -> int:
    with session_scope(read_only=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        return item.stock


def set_price(item_id: int, price_cents: int) -> None:
    """Change a product's price in the catalogue, as an operator would."""
    with session_scope() as db:
        db.exec(update(Item).where(col(Item.id) == item_id).values(price_cents=price_cents))


def visitor_cart_exists(token: str) -> bool:
    with session_scope(read_only=True) as db:
        return db.exec(select(Cart.id).where(Cart.visitor_token == token)).first() is not None


def revoke(token: str) -> None:
    with session_scope() as db:
        revoke_session(db, token, settings=get_settings(), now=int(time.time()))


def row_ids(state: CartState) -> list[int]:
    return [row.item_id for row in state.rows]


NOT_IN_CART = "That product is not in your cart."
DOES_NOT_EXIST = "That product does not exist."
NOT_AVAILABLE = "That product is not available."
CLEAR_ITEM_ERRORS = {NOT_IN_CART, DOES_NOT_EXIST, NOT_AVAILABLE}

ITEM_HANDLERS = {
    "add_to_cart": CartState.add_to_cart,
    "increase": CartState.increase,
    "decrease": CartState.decrease,
    "remove": CartState.remove,
    "buy_line": CartState.buy_line,
}

# Literal ids a browser can send; "<...>" names are resolved per test (see hostile_id).
HOSTILE_ITEM_IDS: dict[str, Any] = {
    "minus one": -1,
    "zero": 0,
    "float 1.5": 1.5,
    "word": "abc",
    "numeric string": "1",
    "true": True,
    "none": None,
    "empty list": [],
    "empty dict": {},
    "10**12": 10**12,
    "2**64": 2**64,
    "unknown id": 2**31 - 1,
    "inactive product": "<inactive>",
    "cart product as float": "<cart float>",
    "cart product as string": "<cart str>",
    "cart product in a list": "<cart list>",
    "cart product in a dict": "<cart dict>",
}


@dataclass(frozen=True)
class Customer:
    """A logged-in user with a product in the cart, and a way to open their cart tab."""

    account: Any
    cookie: str
    product: Any
    shop: Any
    make_state: Callable[..., Any]

    def state(self) -> CartState:
        """A fresh CartState of a tab that sends this user's session cookie."""
        return self.make_state(CartState, cookie=self.cookie, url="/cart")

    def cart(self) -> list[tuple[int, int, int]]:
        """(item_id, quantity, seen_price_cents) of the user's cart in the database."""
        return self.shop.cart_contents(user_id=self.account.id)


@pytest.fixture
def customer(new_account, open_session, cookie_for, make_state, shop) -> Customer:
    """A logged-in user with 2 units of a $12.50 product (stock 20) in the cart."""
    account = new_account()
    product = shop.insert_item(price_cents=1_250, stock=20)
    shop.put_in_cart(account.id, product.id, 2)
    return Customer(account, cookie_for(open_session(account)), product, shop, make_state)


@pytest.fixture
def hostile_id(customer, shop):
    """`hostile_id(kind)`: the item_id payload named by a HOSTILE_ITEM_IDS key."""

    def make(kind: str) -> Any:
        value = HOSTILE_ITEM_IDS[kind]
        cart_id = customer.product.id
        resolved = {
            "<cart float>": float(cart_id),
            "<cart str>": str(cart_id),
            "<cart list>": [cart_id],
            "<cart dict>": {"id": cart_id},
        }
        if value == "<inactive>":
            return shop.insert_item(active=False).id
        return resolved.get(value, value) if isinstance(value, str) else value

    return make


# -------------------------------------------------- hostile item ids, every handler


@pytest.mark.parametrize("kind", HOSTILE_ITEM_IDS)
@pytest.mark.parametrize("handler_name", ITEM_HANDLERS)
def test_hostile_item_id_sets_a_clear_error(customer, handle, hostile_id, handler_name, kind):
    state = customer.state()
    handle(state, ITEM_HANDLERS[handler_name], item_id=hostile_id(kind))
    assert state.error in CLEAR_ITEM_ERRORS


@pytest.mark.parametrize("kind", HOSTILE_ITEM_IDS)
@pytest.mark.parametrize("handler_name", ITEM_HANDLERS)
def test_hostile_item_id_leaves_the_database_cart_unchanged(
    customer, handle, hostile_id, handler_name, kind
):
    state = customer.state()
    before = customer.cart()
    handle(state, ITEM_HANDLERS[handler_name], item_id=hostile_id(kind))
    assert customer.cart() == before


@pytest.mark.parametrize("kind", HOSTILE_ITEM_IDS)
def test_buy_line_with_hostile_item_id_places_no_order(customer, handle, hostile_id, shop, kind):
    shop.deposit_cents(customer.account.id, 100_000)
    state = customer.state()
    handle(state, CartState.buy_line, item_id=hostile_id(kind))
    assert shop.order_ids(customer.account.id) == []


@pytest.mark.parametrize("kind", HOSTILE_ITEM_IDS)
def test_add_to_cart_with_hostile_item_id_shows_an_error_toast(customer, handle, hostile_id, kind):
    state = customer.state()
    result = handle(state, CartState.add_to_cart, item_id=hostile_id(kind))
    assert '["error"]' in toast_code(result)


def test_add_to_cart_with_hostile_id_as_visitor_creates_no_visitor_cart(make_state, handle):
    state = make_state(CartState, url="/")
    handle(state, CartState.add_to_cart, item_id="abc")
    assert not visitor_cart_exists(state.visitor_token)


# --------------------------------------- arguments a handler does not take: TypeError

EXTRA_ARGUMENTS = {
    "add_to_cart with a price": (CartState.add_to_cart, {"price_cents": 1}),
    "add_to_cart with a quantity": (CartState.add_to_cart, {"quantity": 50}),
    "increase with a price": (CartState.increase, {"price_cents": 1}),
    "decrease with a quantity": (CartState.decrease, {"quantity": 0}),
    "remove with a user id": (CartState.remove, {"user_id": 1}),
    "buy_line with a total": (CartState.buy_line, {"total_cents": 1}),
}


@pytest.mark.parametrize(("handler", "extra"), EXTRA_ARGUMENTS.values(), ids=EXTRA_ARGUMENTS)
def test_extra_argument_raises_type_error_at_the_call(customer, handle, handler, extra):
    state = customer.state()
    with pytest.raises(TypeError):
        handle(state, handler, item_id=customer.product.id, **extra)


@pytest.mark.parametrize(("handler", "extra"), EXTRA_ARGUMENTS.values(), ids=EXTRA_ARGUMENTS)
def test_extra_argument_leaves_the_database_cart_unchanged(customer, handle, handler, extra):
    state = customer.state()
    before = customer.cart()
    with pytest.raises(TypeError):
        handle(state, handler, item_id=customer.product.id, **extra)
    assert customer.cart() == before


@pytest.mark.parametrize("handler_name", ITEM_HANDLERS)
def test_missing_item_id_raises_type_error_at_the_call(customer, handle, handler_name):
    state = customer.state()
    with pytest.raises(TypeError):
        handle(state, ITEM_HANDLERS[handler_name])


@pytest.mark.parametrize("handler", [CartState.checkout, CartState.accept_prices, CartState.load])
def test_argumentless_handler_called_with_a_price_raises_type_error(customer, handle, handler):
    state = customer.state()
    with pytest.raises(TypeError):
        handle(state, handler, price_cents=1)


def test_checkout_with_injected_total_places_no_order(customer, handle, shop):
    shop.deposit_cents(customer.account.id, 100_000)
    state = customer.state()
    with pytest.raises(TypeError):
        handle(state, CartState.checkout, total_cents=1)
    assert shop.order_ids(customer.account.id) == []


LEAKY_EXCEPTIONS = {
    "unexpected keyword": TypeError(
        "CartState.add_to_cart() got an unexpected keyword argument 'price_cents'"
    ),
    "missing argument": TypeError("CartState.buy_line() missing 1 required positional argument"),
    "database error": RuntimeError(
        "(sqlite3.IntegrityError) CHECK constraint failed: ck_accounts_balance "
        "[SQL: UPDATE accounts SET balance_cents=?] /srv/fintech/app.db"
    ),
}


@pytest.mark.parametrize("exception", LEAKY_EXCEPTIONS.values(), ids=LEAKY_EXCEPTIONS)
def test_backend_error_handler_returns_an_error_toast(exception):
    from fintech_ui.fintech_ui import _on_backend_error

    assert '["error"]' in toast_code(_on_backend_error(exception))


@pytest.mark.parametrize("exception", LEAKY_EXCEPTIONS.values(), ids=LEAKY_EXCEPTIONS)
def test_backend_error_toast_reveals_no_exception_details(exception):
    from fintech_ui.fintech_ui import _on_backend_error

    code = toast_code(_on_backend_error(exception))
    leaks = [
        word
        for word in (
            type(exception).__name__,
            "price_cents",
            "add_to_cart",
            "buy_line",
            "sqlite",
            "SQL",
            "ck_accounts_balance",
            "/srv/fintech",
            "Traceback",
        )
        if word in code
    ]
    assert leaks == []


@pytest.mark.parametrize(
    "var_name", ["visitor_token", "_checkout_key", "count", "total_cents", "logged_in", "rows"]
)
def test_setvar_cannot_set_cart_vars(customer, var_name):
    # `setvar` is a handler of every state; without auto setters it finds no setter here.
    state = customer.state()
    with pytest.raises(AttributeError):
        CartState.setvar.fn(state, var_name, "forged")


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


# ------------------------------------------------------------------------ checkout


@pytest.fixture
def buyer(customer, shop):
    """The customer (2 units at $12.50 in the cart) with $100.00 on the account."""
    shop.deposit_cents(customer.account.id, 10_000)
    return customer


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
    state = buyer.state()
    handle(state, CartState.checkout)
    first_message = state.message
    handle(state, CartState.checkout)
    assert (state.error, state.message) == ("", first_message)
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_after_the_cart_changed_elsewhere_is_a_new_purchase(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.checkout)
    other_tab = buyer.state()
    handle(other_tab, CartState.add_to_cart, item_id=buyer.product.id)
    handle(state, CartState.checkout)  # same key as the first order, different cart
    assert len(shop.order_ids(buyer.account.id)) == 2


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


# ------------------------------------------------------- checkout: changed prices


def test_checkout_after_a_price_change_asks_to_confirm_prices(buyer, handle):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.checkout)
    assert state.error == ("Prices changed since you added these products. Confirm the new total.")


def test_checkout_after_a_price_change_places_no_order(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    handle(buyer.state(), CartState.checkout)
    assert shop.order_ids(buyer.account.id) == []


def test_checkout_after_a_price_change_keeps_the_balance(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    handle(buyer.state(), CartState.checkout)
    assert shop.balance_cents(buyer.account.id) == 10_000


def test_load_after_a_price_change_flags_the_changed_prices(buyer, handle):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.load)
    assert state.prices_changed is True


def test_buy_line_after_a_price_change_places_no_order(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    handle(buyer.state(), CartState.buy_line, item_id=buyer.product.id)
    assert shop.order_ids(buyer.account.id) == []


def test_checkout_after_accepting_new_prices_places_the_order(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.checkout)
    handle(state, CartState.accept_prices)
    handle(state, CartState.checkout)
    assert len(shop.order_ids(buyer.account.id)) == 1


def test_checkout_after_accepting_new_prices_charges_the_new_price(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.load)  # the shopper sees the new price before accepting it
    handle(state, CartState.accept_prices)
    handle(state, CartState.checkout)
    assert shop.balance_cents(buyer.account.id) == 10_000 - 3_000


def test_accept_prices_clears_the_changed_prices_flag(buyer, handle):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.load)
    handle(state, CartState.accept_prices)
    assert state.prices_changed is False


def test_accept_prices_refuses_a_price_that_moved_again_after_display(buyer, handle, shop):
    set_price(buyer.product.id, 1_500)
    state = buyer.state()
    handle(state, CartState.load)
    set_price(buyer.product.id, 1_700)
    handle(state, CartState.accept_prices)
    handle(state, CartState.checkout)
    assert shop.order_ids(buyer.account.id) == []
