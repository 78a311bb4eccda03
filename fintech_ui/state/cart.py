"""The shopping cart: its lines live in the database; this state mirrors them for display."""

from __future__ import annotations

import dataclasses
import functools
import secrets
from collections.abc import Callable
from typing import Any

import reflex as rx

from fintech_ui import routes
from fintech_ui.db import now, run
from fintech_ui.money import format_cents
from fintech_ui.services import cart as carts
from fintech_ui.services.orders import CheckoutError, KeyReused, OrderView, checkout_or_replay
from fintech_ui.services.shopper import ShopperCart, change_cart, view_cart
from fintech_ui.settings import get_settings
from fintech_ui.state.session import current_user, forget_user, private, session_token

VISITOR_COOKIE_SECONDS = 30 * 24 * 3600
NOT_A_PRODUCT = "That product is not in your cart."


@dataclasses.dataclass
class CartRow:
    """One cart line, formatted for display."""

    item_id: int = 0
    name: str = ""
    category: str = ""
    quantity: int = 0
    unit_price: str = ""
    seen_price: str = ""
    line_total: str = ""
    price_changed: bool = False
    available: bool = True


def _row(line: carts.LineView) -> CartRow:
    return CartRow(
        item_id=line.item_id,
        name=line.name,
        category=line.category,
        quantity=line.quantity,
        unit_price=format_cents(line.unit_price_cents),
        seen_price=format_cents(line.seen_price_cents),
        line_total=format_cents(line.line_total_cents),
        price_changed=line.price_changed,
        available=line.available,
    )


@functools.lru_cache(maxsize=512)
def _toast(text: str, *, error: bool = False) -> rx.event.EventSpec:
    # Building a toast compiles its JavaScript call (~0.15 ms, a tenth of a click's CPU);
    # the same few texts recur on every click, so each is built once.
    if error:
        return rx.toast.error(text, duration=4000)
    return rx.toast.success(text, duration=2500)


def _new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


def _forget_user_cart(state: CartState) -> None:
    # A visitor's own cart stays (its handle is the visitor cookie); a user's cart goes.
    if state.logged_in:
        state.rows, state.total_cents, state.count, state.version = [], 0, 0, ""
        state.prices_changed = state.logged_in = False
        state.message = state.error = ""
        state.last_order_id = 0
        state._checkout_key, state._shown_prices = "", {}
        state._bought_version = state._bought_message = ""


@private(lambda state: _forget_user_cart(state))
class CartState(rx.State):
    """The cart's lines, total and count; every change goes through the database first."""

    rows: list[CartRow] = []
    total_cents: int = 0
    count: int = 0
    prices_changed: bool = False
    version: str = ""
    logged_in: bool = False
    message: str = ""
    error: str = ""
    last_order_id: int = 0
    # Names a visitor's cart before login; only a random handle, never credentials.
    visitor_token: str = rx.Cookie(
        "", name="fintech_visitor", max_age=VISITOR_COOKIE_SECONDS, same_site="lax"
    )
    _checkout_key: str = ""
    _shown_prices: dict[int, int] = {}
    _bought_version: str = ""
    _bought_message: str = ""

    @rx.var
    def total(self) -> str:
        """The cart total, formatted."""
        return format_cents(self.total_cents)

    @rx.var
    def is_empty(self) -> bool:
        """No lines in the cart (the count: the rows are only read on the cart page)."""
        return self.count == 0

    def _set(self, **values: Any) -> None:
        # Reflex sends every assigned var in the event's delta: assign only what changed.
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    async def _refresh(self, owner: carts.CartOwner | None) -> None:
        self._show(await run(carts.view, owner, read_only=True))

    async def _load(self, *, rows: bool = True) -> None:
        shopper = await run(
            view_cart,
            session_token=session_token(self),
            visitor_token=self.visitor_token,
            settings=get_settings(),
            now=now(),
            read_only=True,
        )
        await self._who(shopper)
        self._show(shopper.cart, rows=rows)

    async def _who(self, shopper: ShopperCart) -> None:
        # As current_user: a session cookie that no longer works empties every private state
        # of the tab (this cart included) before the visitor's cart is shown.
        if shopper.user is None and session_token(self):
            await forget_user(self)
        self._set(logged_in=shopper.user is not None)

    def _show(self, cart: carts.CartSummary, *, rows: bool = True) -> None:
        # `version` is that of the rows on screen, and checkout buys only that version: with
        # the rows left out it is "", so a checkout from this stale view is refused
        # (CartChanged) and the fresh cart shown, never a cart the buyer has not seen.
        if rows:
            self._set(rows=[_row(line) for line in cart.lines], version=cart.version)
            self._shown_prices = {line.item_id: line.unit_price_cents for line in cart.lines}
        else:  # out of date: the cart page reads them again when it is shown
            self._set(rows=[], version="")
            self._shown_prices = {}
        self._set(
            total_cents=cart.total_cents,
            count=cart.count,
            prices_changed=cart.prices_changed,
        )
        if not self._checkout_key:
            self._checkout_key = _new_checkout_key()

    async def _change(
        self, change: Callable[..., carts.CartSummary], *, rows: bool = True, **kwargs: Any
    ) -> carts.CartSummary | None:
        """Apply one cart change; a broken rule becomes a message and changes nothing.

        The session check, the change and the re-read share one transaction and one trip to
        a worker thread. rows=False leaves the lines out of the delta (the add from a product
        card: only the navbar's count is on screen).
        """
        self._set(error="", message="")
        visitor = self.visitor_token
        if not carts.valid_visitor_token(visitor):
            visitor = carts.new_visitor_token()  # kept only if nobody is logged in
        try:
            shopper = await run(
                change_cart,
                change,
                session_token=session_token(self),
                visitor_token=visitor,
                settings=get_settings(),
                now=now(),
                **kwargs,
            )
        except carts.CartError as exc:
            self.error = str(exc)
            await self._load(rows=rows)
            return None
        await self._who(shopper)
        if shopper.user is None and visitor != self.visitor_token:
            self.visitor_token = visitor
        self._checkout_key = _new_checkout_key()  # a changed cart is a new purchase
        self._show(shopper.cart, rows=rows)
        return shopper.cart

    @rx.event
    async def load(self):
        """Show the cart as the database has it (every page load)."""
        self._set(error="", message="")
        await self._load()

    @rx.event
    async def add_to_cart(self, item_id: object):
        """One more unit of a product (from a product card: the lines are not on screen)."""
        if type(item_id) is not int:
            self.error = NOT_A_PRODUCT
            return _toast(self.error, error=True)
        cart = await self._change(carts.add, rows=False, item_id=item_id, quantity=1)
        if cart is None:
            return _toast(self.error, error=True)
        name = next((line.name for line in cart.lines if line.item_id == item_id), "Product")
        return _toast(f"{name} added to your cart")

    # Item ids arrive as JSON from the page. Annotated `object`, so Reflex passes them as
    # sent: `int("١٢")` or `int(" 7 ")` would otherwise turn text into some other product.
    @rx.event
    async def increase(self, item_id: object):
        """One more unit of a line."""
        if type(item_id) is not int:
            self.error = NOT_A_PRODUCT
            return
        await self._change(carts.add, item_id=item_id, quantity=1)

    @rx.event
    async def decrease(self, item_id: object):
        """One unit fewer; at one unit the line goes."""
        if type(item_id) is not int:
            self.error = NOT_A_PRODUCT
            return
        await self._change(carts.decrease, item_id=item_id)

    @rx.event
    async def remove(self, item_id: object):
        """Drop a line."""
        if type(item_id) is not int:
            self.error = NOT_A_PRODUCT
            return
        await self._change(carts.remove, item_id=item_id)

    @rx.event
    async def accept_prices(self):
        """Confirm the changed prices so checkout can go ahead."""
        await self._change(carts.accept_prices, shown=dict(self._shown_prices))

    @rx.event
    async def checkout(self, version: object = None):
        """Buy everything in the cart, as long as it is the cart on screen (`version`)."""
        return await self._buy(None, version)

    @rx.event
    async def buy_line(self, item_id: object, version: object = None):
        """Buy one line alone, as long as the cart is the one on screen (`version`)."""
        if type(item_id) is not int:
            self.error = "That product is not in your cart."
            return None
        return await self._buy(item_id, version)

    async def _checkout(self, user_id: int, item_id: int | None, version: str) -> OrderView:
        return await run(
            checkout_or_replay,
            user_id=user_id,
            idempotency_key=self._checkout_key,
            item_id=item_id,
            cart_version=version,
            now=now(),
        )

    async def _buy(self, item_id: int | None, version: object):
        self.error = ""
        self.message = ""
        user = await current_user(self)
        if user is None:
            self.logged_in = False
            return rx.redirect(routes.login(next=routes.CART))
        owner = carts.CartOwner(user_id=user.id)
        # The page sends the version it shows; without one, the version this tab last showed.
        shown = self.version if version is None else version
        if type(shown) is not str:
            self.error = "The cart was not understood. Reload the page."
            return None
        if shown != self.version and shown == self._bought_version and self.last_order_id:
            # A second click that crossed the order on its way (double click): that order is
            # the answer, and nothing more is bought.
            self.message = self._bought_message
            return None
        if not self._checkout_key:
            self._checkout_key = _new_checkout_key()
        try:
            try:
                order = await self._checkout(user.id, item_id, shown)
            except KeyReused:  # the cart changed elsewhere since: this is a new purchase
                self._checkout_key = _new_checkout_key()
                order = await self._checkout(user.id, item_id, shown)
        except CheckoutError as exc:  # includes PricesChanged and CartChanged: review first
            self.error = str(exc)
        else:
            self.last_order_id = order.id
            self.message = f"Order #{order.id} placed: {format_cents(order.total_cents)}."
            # A new purchase needs a new key: the same line added again later (here, in
            # another tab or over the API) is bought, not answered with this order.
            self._checkout_key = _new_checkout_key()
            self._bought_version, self._bought_message = shown, self.message
        await self._refresh(owner)
        return None
