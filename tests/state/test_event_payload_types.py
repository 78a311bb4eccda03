"""Reflex converts a websocket payload to each handler's annotated types before the handler
runs (`int("١٢")` is 12, `int(" 7 ")` is 7), so a handler annotated `item_id: int` would add
product 12 for the text "١٢" (issue 10, defect 13). Every handler of the app therefore takes
its arguments as sent (annotated loosely) and checks the exact JSON type itself.

`prepared` runs Reflex's own payload preparation, as its event processor does, before the
handler; the state tests elsewhere call handlers directly, which skips it.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import reflex as rx
from reflex_base.event.processor.base_state_processor import _prepare_event_payload

import fintech_ui.state  # noqa: F401 (the package; its modules are imported below)
from fintech_ui.state import (
    account,
    auth,
    cart,
    catalogue,
    orders,
    portfolio,
    product,
    security,
    withdrawal,
)
from fintech_ui.state.cart import CartState
from fintech_ui.state.catalogue import CatalogueState

MODULES = (account, auth, cart, catalogue, orders, portfolio, product, security, withdrawal)
HOSTILE = ["١٢", " 7 ", "7", 7.0, True, "1e3", {"a": 1}, [1]]


def _app_handlers() -> dict[str, Any]:
    found = {}
    for module in MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, rx.State) and cls.__module__ == module.__name__:
                for name, handler in cls.event_handlers.items():
                    if not name.startswith("set") and name != "setvar":
                        found[f"{cls.__name__}.{name}"] = handler
    return found


HANDLERS = _app_handlers()


def prepared(handler: Any, **payload: Any) -> dict[str, Any]:
    """The payload as Reflex hands it to the handler."""
    return _prepare_event_payload(handler, payload)


def _params(handler: Any) -> list[str]:
    return [p for p in inspect.signature(handler.fn).parameters if p != "self"]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", [n for n, h in HANDLERS.items() if _params(h)])
def test_no_handler_argument_is_converted_before_the_handler_sees_it(name, value):
    handler = HANDLERS[name]
    payload = {param: value for param in _params(handler)}
    assert prepared(handler, **payload) == payload


@pytest.mark.parametrize("text", ["١٢", " 7 ", "7"])
def test_add_to_cart_with_a_number_as_text_adds_nothing(customer, handle, shop, text):
    product = shop.insert_item(price_cents=700)
    state = customer.state()
    before = customer.cart()
    handle(state, CartState.add_to_cart, **prepared(CartState.add_to_cart, item_id=str(product.id)))
    handle(state, CartState.add_to_cart, **prepared(CartState.add_to_cart, item_id=text))
    assert customer.cart() == before
    assert state.error


@pytest.mark.parametrize("handler", [CartState.increase, CartState.decrease, CartState.remove])
def test_cart_line_handlers_refuse_an_id_as_text(customer, handle, handler):
    state = customer.state()
    before = customer.cart()
    handle(state, handler, **prepared(handler, item_id=f" {customer.product.id} "))
    assert customer.cart() == before


def test_buy_line_refuses_an_id_as_text(buyer, handle, shop):
    state = buyer.state()
    handle(state, CartState.buy_line, **prepared(CartState.buy_line, item_id=str(buyer.product.id)))
    assert shop.order_ids(buyer.account.id) == []


@pytest.mark.parametrize("value", [5, None, ["gold"], {"q": "gold"}], ids=repr)
def test_catalogue_search_ignores_anything_but_text(make_state, handle, value):
    state = make_state(CatalogueState, url="/")
    handle(state, CatalogueState.search_for, **prepared(CatalogueState.search_for, value=value))
    assert state.search == ""
