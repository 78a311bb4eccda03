"""A tab's state outlives its session (issue 10, defect 1): after log-out, session expiry or a
revoked session, no state of the tab may still hold the previous user's data, and a page's
whole state sent to a connection without a live session (hydrate) names nobody.

Each test fills every private page of one tab (account, orders, portfolio, cart, the navbar's
username) as a logged-in user, ends the session one way, then looks at everything the tab's
state tree would send: `root.dict()`, the snapshot hydrate sends to a new connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import factories
import pytest
from reflex import constants
from reflex.event import Event
from reflex.state import RouterData
from state_helpers import revoke

from fintech_ui.db import session_scope
from fintech_ui.state.account import AccountState
from fintech_ui.state.admin import AdminState
from fintech_ui.state.admin_analytics import AdminAnalyticsState
from fintech_ui.state.admin_audit import AdminAuditState
from fintech_ui.state.admin_orders import AdminOrdersState
from fintech_ui.state.admin_products import AdminProductsState
from fintech_ui.state.admin_users import AdminUsersState
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState
from fintech_ui.state.orders import OrdersState
from fintech_ui.state.portfolio import PortfolioState
from fintech_ui.state.session import PrivateDataMiddleware
from fintech_ui.state.withdrawal import WithdrawalState


def _sibling(state: Any, cls: type) -> Any:
    return state._get_root_state().get_substate([cls.get_name()])


def _sent(state: Any) -> str:
    """Everything the tab's state tree would send on hydrate, as one JSON text."""
    return json.dumps(state._get_root_state().dict(), default=str)


def _hydrate(state: Any) -> None:
    """What a new connection's hydrate does before the snapshot is taken."""
    root = state._get_root_state()
    event = Event(name=f"{root.get_full_name()}.hydrate_and_load", router_data={}, payload={})
    asyncio.run(PrivateDataMiddleware().preprocess(app=None, state=root, event=event))


@pytest.fixture
def filled_tab(buyer, handle, make_state):
    """(account, AuthState, token) of a tab showing every private page of a user who bought
    their cart's line: $100.00 deposited, an order, a holding, a balance of $75.00."""
    token = buyer.cookie.split("=", 1)[1]
    auth = make_state(AuthState, cookie=buyer.cookie, url="/account")
    cart = _sibling(auth, CartState)
    handle(cart, CartState.load)
    handle(cart, CartState.buy_line, item_id=buyer.product.id)
    handle(auth, AuthState.sync_session)
    for cls in (AccountState, OrdersState, PortfolioState, WithdrawalState):
        handle(_sibling(auth, cls), cls.load)
    handle(cart, CartState.load)
    sent = _sent(auth)
    assert _private_values_in(sent, buyer.account) == [buyer.account.username, "$100.00", "$75.00"]
    return buyer.account, auth, token


ADMIN_STATES = (
    AdminState,
    AdminProductsState,
    AdminUsersState,
    AdminOrdersState,
    AdminAuditState,
    AdminAnalyticsState,
)


def _own_vars(state: Any) -> dict[str, Any]:
    return {name: getattr(state, name) for name in type(state).base_vars}


@pytest.fixture
def admin_tab(buyer, shop, handle, make_state, new_account, open_session, cookie_for):
    """(buyer's account, admin's account, AuthState, token) of an administrator's tab showing
    every back-office section: the buyer's order, their name and balance, the audit log."""
    admin = new_account()
    with session_scope() as db:
        factories.make_admin(db, admin.id)
    token = open_session(admin)
    shop.buy(buyer.account.id, buyer.product.id, 2)  # $25.00 of the $100.00: $75.00 left
    auth = make_state(AuthState, cookie=cookie_for(token), url="/admin")
    handle(auth, AuthState.sync_session)
    handle(_sibling(auth, AdminState), AdminState.load)
    users = _sibling(auth, AdminUsersState)
    handle(users, AdminUsersState.search_for, value=buyer.account.username)
    handle(users, AdminUsersState.set_active, user_id=buyer.account.id, active=True)
    orders = _sibling(auth, AdminOrdersState)
    handle(orders, AdminOrdersState.apply_filters, form_data={"username": buyer.account.username})
    handle(orders, AdminOrdersState.show, order_id=orders.rows[0].id)
    handle(_sibling(auth, AdminProductsState), AdminProductsState.edit, item_id=buyer.product.id)
    handle(_sibling(auth, AdminAuditState), AdminAuditState.load)
    handle(_sibling(auth, AdminAnalyticsState), AdminAnalyticsState.load)
    sent = _sent(auth)
    assert {buyer.account.username, "$75.00"} <= set(_private_values_in(sent, buyer.account))
    assert admin.username in sent and _sibling(auth, AdminState).is_admin
    assert all(_sibling(auth, cls).error == "" for cls in ADMIN_STATES[1:])
    return buyer.account, admin, auth, token


def test_log_out_empties_every_back_office_section(admin_tab, handle, make_state):
    customer, admin, auth, _token = admin_tab
    handle(auth, AuthState.log_out)
    for cls in ADMIN_STATES:
        assert _own_vars(_sibling(auth, cls)) == _own_vars(make_state(cls)), cls.__name__
    sent = _sent(auth)
    assert _private_values_in(sent, customer) == [] and admin.username not in sent


def test_hydrate_with_an_admin_session_ended_elsewhere_sends_no_back_office_data(admin_tab):
    customer, admin, auth, token = admin_tab
    revoke(token)
    _hydrate(auth)
    sent = _sent(auth)
    assert _private_values_in(sent, customer) == [] and admin.username not in sent
    assert _sibling(auth, AdminState).is_admin is False


def test_hydrate_with_a_live_admin_session_keeps_the_back_office(admin_tab):
    customer, _admin, auth, _token = admin_tab
    _hydrate(auth)
    assert customer.username in _sent(auth) and _sibling(auth, AdminState).is_admin


def _private_values_in(sent: str, account: Any) -> list[str]:
    return [value for value in (account.username, "$100.00", "$75.00") if value in sent]


def test_log_out_leaves_no_private_data_in_the_tab(filled_tab, handle):
    account, auth, _token = filled_tab
    handle(auth, AuthState.log_out)
    assert _private_values_in(_sent(auth), account) == []


def test_log_out_empties_every_private_page(filled_tab, handle):
    _account, auth, _token = filled_tab
    handle(auth, AuthState.log_out)
    assert _sibling(auth, AccountState).statement == []
    assert _sibling(auth, OrdersState).orders == []
    assert _sibling(auth, PortfolioState).holdings == []
    assert _sibling(auth, CartState).rows == []
    assert auth.username == ""


def test_hydrate_after_log_out_without_cookie_sends_nobodys_data(filled_tab, handle):
    # The same tab token reconnects with no cookie at all: its hydrate names nobody.
    account, auth, _token = filled_tab
    handle(auth, AuthState.log_out)
    _hydrate(auth)
    assert _private_values_in(_sent(auth), account) == []


def test_hydrate_with_a_session_ended_elsewhere_sends_nobodys_data(filled_tab):
    # Session expiry or a log-out in another tab: the tab never ran log_out itself.
    account, auth, token = filled_tab
    revoke(token)
    _hydrate(auth)
    assert _private_values_in(_sent(auth), account) == []


def test_hydrate_of_a_tab_whose_cookie_is_gone_sends_nobodys_data(filled_tab):
    # The browser dropped the expired cookie: the tab token alone comes back.
    account, auth, _token = filled_tab
    root = auth._get_root_state()
    data = {**root.router_data}
    data[constants.RouteVar.HEADERS] = {**data[constants.RouteVar.HEADERS], "cookie": ""}
    root.router_data = data
    root.router = RouterData.from_router_data(data)
    _hydrate(auth)
    assert _private_values_in(_sent(auth), account) == []


def test_hydrate_with_a_live_session_keeps_the_page(filled_tab):
    account, auth, _token = filled_tab
    _hydrate(auth)
    assert account.username in _sent(auth)


def test_any_handler_finding_the_session_ended_empties_every_private_page(
    filled_tab,
    handle,
):
    account, auth, token = filled_tab
    revoke(token)
    handle(_sibling(auth, CartState), CartState.load)
    assert _private_values_in(_sent(auth), account) == []


def test_a_visitors_own_cart_survives_the_hydrate(make_state, handle, shop):
    product = shop.insert_item(price_cents=500)
    cart = make_state(CartState, url="/")
    handle(cart, CartState.add_to_cart, item_id=product.id)
    handle(cart, CartState.load)  # an add leaves the rows out; the cart page reads them
    _hydrate(cart)
    assert [row.item_id for row in cart.rows] == [product.id]
