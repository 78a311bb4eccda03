"""Checkout after a price change: the shopper confirms the new prices first, and pays
the confirmed ones."""

from __future__ import annotations

from cart_helpers import set_price

from fintech_ui.state.cart import CartState

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
