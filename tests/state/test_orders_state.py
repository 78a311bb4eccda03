"""OrdersState: the order history and one order's details, for their owner only.

`load` and `load_detail` are browser-callable by name at any time, and the order id comes from
the page address, which the browser controls. Another user's order must look exactly like a
missing one, a garbled address must find nothing, and no live session must show nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from state_helpers import revoke

from fintech_ui.state.orders import OrderRow, OrdersState


def detail_of(state: OrdersState) -> OrderRow:
    """The shown detail as a plain OrderRow (the state hands out a mutable proxy)."""
    detail = state.detail
    return OrderRow(
        id=detail.id,
        date=detail.date,
        total=detail.total,
        summary=detail.summary,
        lines=list(detail.lines),
    )


EMPTY_DETAIL = OrderRow()


@dataclass(frozen=True)
class Buyer:
    """A user with one order, and the Cookie header of a live session."""

    account: Any
    token: str
    cookie: str
    order_id: int
    product_name: str


@pytest.fixture
def make_buyer(new_account, open_session, cookie_for, shop):
    """`make_buyer()`: a fresh user who bought 2 units of a $12.50 product."""

    def make() -> Buyer:
        account = new_account()
        product = shop.insert_item(price_cents=1_250, stock=20)
        order_id = shop.buy(account.id, product.id, 2)
        token = open_session(account)
        return Buyer(account, token, cookie_for(token), order_id, product.name)

    return make


@pytest.fixture
def owner(make_buyer) -> Buyer:
    return make_buyer()


@pytest.fixture
def stranger(make_buyer) -> Buyer:
    return make_buyer()


# --------------------------------------------------------------------------- load


def test_load_lists_the_users_order(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert [row.id for row in state.orders] == [owner.order_id]


def test_load_lists_orders_newest_first(make_state, handle, owner, shop):
    second = shop.buy(owner.account.id, shop.insert_item().id)
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert [row.id for row in state.orders] == [second, owner.order_id]


def test_load_never_lists_another_users_order(make_state, handle, owner, stranger):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert stranger.order_id not in [row.id for row in state.orders]


def test_load_marks_the_history_loaded(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert state.loaded is True


def test_load_formats_the_order_total(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert state.orders[0].total == "$25.00"


def test_load_summary_names_the_bought_product(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    assert owner.product_name in state.orders[0].summary


def test_load_without_session_shows_no_orders(make_state, handle, owner):
    state = make_state(OrdersState, url="/orders")
    handle(state, OrdersState.load)
    assert list(state.orders) == []


def test_load_without_session_is_not_loaded(make_state, handle):
    state = make_state(OrdersState, url="/orders")
    handle(state, OrdersState.load)
    assert state.loaded is False


def test_load_after_revocation_clears_the_shown_orders(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    handle(state, OrdersState.load)
    revoke(owner.token)
    handle(state, OrdersState.load)
    assert list(state.orders) == []


def test_load_with_an_argument_raises_type_error_at_the_call(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url="/orders")
    with pytest.raises(TypeError):
        handle(state, OrdersState.load, user_id=owner.account.id)


# -------------------------------------------------------------------- load_detail


def test_load_detail_of_own_order_shows_it(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    assert (state.detail.id, state.detail.total) == (owner.order_id, "$25.00")


def test_load_detail_of_own_order_shows_its_lines(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    assert [
        (line.name, line.quantity, line.unit_price, line.line_total) for line in state.detail.lines
    ] == [(owner.product_name, 2, "$12.50", "$25.00")]


def test_load_detail_of_own_order_is_not_missing(make_state, handle, owner):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    assert state.detail_missing is False


@pytest.mark.parametrize("suffix", ["/", "?tab=lines", "#top"], ids=["slash", "query", "hash"])
def test_load_detail_of_own_order_ignores_trailing_decoration(make_state, handle, owner, suffix):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}{suffix}")
    handle(state, OrdersState.load_detail)
    assert state.detail.id == owner.order_id


def test_load_detail_of_another_users_order_is_missing(make_state, handle, owner, stranger):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{stranger.order_id}")
    handle(state, OrdersState.load_detail)
    assert state.detail_missing is True


def test_load_detail_of_another_users_order_shows_no_data(make_state, handle, owner, stranger):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{stranger.order_id}")
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


def test_load_detail_of_another_users_order_clears_the_previous_detail(
    make_state, handle, owner, stranger
):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    other = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{stranger.order_id}")
    state.router = other.router  # the same tab navigates to the other address
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


def test_load_detail_without_session_shows_no_data(make_state, handle, owner):
    state = make_state(OrdersState, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


def test_load_detail_with_revoked_session_shows_no_data(make_state, handle, owner):
    revoke(owner.token)
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


GARBAGE_PATHS = {
    "word": "/orders/abc",
    "negative": "/orders/-1",
    "zero": "/orders/0",
    "eleven digits": "/orders/99999999999",
    "nine digits unknown": "/orders/999999999",
    "beyond 32 bits": "/orders/2147483648",
    "leading zeros": "/orders/00000000001",
    "float": "/orders/1.5",
    "exponent": "/orders/1e3",
    "percent-encoded digit": "/orders/%31",
    "arabic-indic digit": "/orders/١",
    "fullwidth digit": "/orders/１",
    "no id": "/orders/",
    "list page": "/orders",
    "space before id": "/orders/%201",
    "sql": "/orders/1%20OR%201=1",
}


@pytest.mark.parametrize("path", GARBAGE_PATHS.values(), ids=GARBAGE_PATHS)
def test_load_detail_with_garbage_path_is_missing(make_state, handle, owner, path):
    state = make_state(OrdersState, cookie=owner.cookie, url=path)
    handle(state, OrdersState.load_detail)
    assert state.detail_missing is True


@pytest.mark.parametrize("path", GARBAGE_PATHS.values(), ids=GARBAGE_PATHS)
def test_load_detail_with_garbage_path_shows_no_data(make_state, handle, owner, path):
    state = make_state(OrdersState, cookie=owner.cookie, url=path)
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


def test_load_detail_through_dot_segments_to_another_users_order_is_missing(
    make_state, handle, owner, stranger
):
    url = f"/orders/{owner.order_id}/../{stranger.order_id}"
    state = make_state(OrdersState, cookie=owner.cookie, url=url)
    handle(state, OrdersState.load_detail)
    assert detail_of(state) == EMPTY_DETAIL


def test_load_detail_with_an_order_id_argument_raises_type_error_at_the_call(
    make_state, handle, owner, stranger
):
    state = make_state(OrdersState, cookie=owner.cookie, url=f"/orders/{owner.order_id}")
    with pytest.raises(TypeError):
        handle(state, OrdersState.load_detail, order_id=stranger.order_id)
