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

from typing import Any

import pytest
from cart_helpers import CLEAR_ITEM_ERRORS, HOSTILE_ITEM_IDS, ITEM_HANDLERS, visitor_cart_exists
from state_helpers import toast_code

from fintech_ui.state.cart import CartState


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
