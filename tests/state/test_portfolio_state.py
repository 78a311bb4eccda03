"""PortfolioState, WithdrawalState and ProductState handlers called as a browser could call
them: any JSON, with or without a live session. Only the forms we render, with a live session,
move money; a replayed submission moves it once."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from fintech_ui.state.portfolio import PortfolioState
from fintech_ui.state.product import ProductState
from fintech_ui.state.withdrawal import WithdrawalState


@pytest.fixture
def handle():
    """`handle(state, State.handler, **payload)` for async and plain handlers alike."""

    def _run(state, handler, **payload):
        result = handler.fn(state, **payload)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    return _run


@pytest.fixture
def investor(new_account, open_session, cookie_for, shop):
    """A logged-in user holding 3 units of a $10 product, with $100 cash."""
    account = new_account()
    cookie = cookie_for(open_session(account))
    item = shop.insert_item(price_cents=1000, stock=20).id
    shop.deposit_cents(account.id, 10_000)
    shop.buy(account.id, item, 3)
    return account, cookie, item


def _portfolio(make_state, handle, cookie):
    state = make_state(PortfolioState, cookie=cookie, url="/portfolio")
    handle(state, PortfolioState.load)
    return state


def test_load_fills_holdings_and_totals(make_state, handle, investor):
    _account, cookie, item = investor
    state = _portfolio(make_state, handle, cookie)
    assert [(h.item_id, h.units, h.value) for h in state.holdings] == [(item, 3, "$30.00")]
    assert (state.cash, state.holdings_value, state.total_value) == ("$100.00", "$30.00", "$130.00")
    assert len(state.value_points) >= 1 and state.flows and state.allocation


def test_load_without_session_shows_nothing(make_state, handle):
    state = make_state(PortfolioState, cookie=None, url="/portfolio")
    handle(state, PortfolioState.load)
    assert state.holdings == [] and state.cash == "" and not state.loaded


def test_sale_through_the_dialog_sells_once_even_when_replayed(make_state, handle, investor, shop):
    account, cookie, item = investor
    state = _portfolio(make_state, handle, cookie)
    handle(state, PortfolioState.open_sale, item_id=item)
    form = {"units": "2", "request_id": state.sale_request_id}

    handle(state, PortfolioState.confirm_sale, form_data=form)
    assert state.sale_error == "" and not state.sale_open
    assert "Sold 2 ×" in state.message and shop.balance_cents(account.id) == 12_000
    state.sale_open = True  # even a replay that finds the dialog open again
    handle(state, PortfolioState.confirm_sale, form_data=form)
    assert shop.balance_cents(account.id) == 12_000
    assert [h.units for h in state.holdings] == [1]


@pytest.mark.parametrize(
    "form",
    [
        {"units": "2"},
        {"units": "٢", "request_id": "x" * 20},
        {"units": "-1", "request_id": "x" * 20},
        {"units": "1.5", "request_id": "x" * 20},
        {"units": 2, "request_id": "x" * 20},
        {"units": "2", "request_id": "x" * 20, "extra": "1"},
        ["units", "2"],
        None,
    ],
)
def test_odd_sale_forms_sell_nothing(make_state, handle, investor, shop, form):
    account, cookie, item = investor
    state = _portfolio(make_state, handle, cookie)
    handle(state, PortfolioState.open_sale, item_id=item)
    handle(state, PortfolioState.confirm_sale, form_data=form)
    assert state.sale_error and shop.balance_cents(account.id) == 10_000


@pytest.mark.parametrize("item_id", ["1", 1.0, None, [1], True])
def test_open_sale_ignores_odd_ids(make_state, handle, investor, item_id):
    _account, cookie, _item = investor
    state = _portfolio(make_state, handle, cookie)
    handle(state, PortfolioState.open_sale, item_id=item_id)
    assert not state.sale_open


def test_sale_without_session_sells_nothing(make_state, handle, investor, shop):
    account, _cookie, item = investor
    state = make_state(PortfolioState, cookie=None, url="/portfolio")
    state.sale_open, state.sale_item_id = True, item
    handle(state, PortfolioState.confirm_sale, form_data={"units": "1", "request_id": "k" * 20})
    assert shop.balance_cents(account.id) == 10_000


def test_selling_more_than_held_says_so(make_state, handle, investor):
    _account, cookie, item = investor
    state = _portfolio(make_state, handle, cookie)
    handle(state, PortfolioState.open_sale, item_id=item)
    handle(
        state,
        PortfolioState.confirm_sale,
        form_data={"units": "4", "request_id": state.sale_request_id},
    )
    assert "hold only 3 units" in state.sale_error and state.sale_open


def test_holdings_csv_download(make_state, handle, investor):
    _account, cookie, _item = investor
    state = _portfolio(make_state, handle, cookie)
    spec = handle(state, PortfolioState.download_holdings)
    assert "fintech-holdings.csv" in str(spec)


# --- withdrawals ---------------------------------------------------------------------


def _withdrawal_state(make_state, handle, cookie):
    state = make_state(WithdrawalState, cookie=cookie, url="/account")
    handle(state, WithdrawalState.load)
    return state


def test_withdrawal_replayed_withdraws_once(make_state, handle, investor, shop):
    account, cookie, _item = investor
    state = _withdrawal_state(make_state, handle, cookie)
    form = {"withdrawal_amount": "25.50", "request_id": state.request_id}

    handle(state, WithdrawalState.withdraw, form_data=form)
    handle(state, WithdrawalState.withdraw, form_data=form)

    assert shop.balance_cents(account.id) == 10_000 - 2550
    assert state.withdrawal_message.startswith("$25.50 sent")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.01", "Not enough money"),
        ("0", "Enter an amount"),
        ("1,50", "Enter an amount"),
        ("٢٠", "Enter an amount"),
        (20, "not understood"),
    ],
)
def test_odd_withdrawals_move_nothing(make_state, handle, investor, shop, amount, message):
    account, cookie, _item = investor
    state = _withdrawal_state(make_state, handle, cookie)
    handle(
        state,
        WithdrawalState.withdraw,
        form_data={"withdrawal_amount": amount, "request_id": state.request_id},
    )
    assert message in state.withdrawal_error and shop.balance_cents(account.id) == 10_000


def test_withdrawal_without_session_moves_nothing(make_state, handle, investor, shop):
    account, _cookie, _item = investor
    state = make_state(WithdrawalState, cookie=None, url="/account")
    handle(
        state,
        WithdrawalState.withdraw,
        form_data={"withdrawal_amount": "1", "request_id": "k" * 20},
    )
    assert "session has ended" in state.withdrawal_error
    assert shop.balance_cents(account.id) == 10_000


# --- product page --------------------------------------------------------------------


def test_product_page_reads_the_sku_from_the_url(make_state, handle, shop):
    item = shop.insert_item(price_cents=2500)
    state = make_state(ProductState, url=f"/products/{item.sku}")
    handle(state, ProductState.load)
    assert state.found and state.item_id == item.id and state.price == "$25.00"
    handle(state, ProductState.show_range, label="1M")
    assert state.chart_range == "1M"
    handle(state, ProductState.show_range, label="5Y")
    assert state.chart_range == "1M"


def test_unknown_product_is_not_found(make_state, handle):
    state = make_state(ProductState, url="/products/NO-SUCH-THING")
    handle(state, ProductState.load)
    assert state.loaded and not state.found
