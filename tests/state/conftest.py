"""Build Reflex states the way one websocket event sees them, and the users they act on.

A handler learns who is asking from `self.router`: the websocket handshake's Cookie header,
the page URL and the client's address. For each event Reflex turns a `router_data` dict
(keys in `reflex.constants.RouteVar`) into the router vars of the *root* state, and every
substate reads them from there. `build_state` does the same with public pieces: a root
`rx.State` (allowed outside the framework because pytest sets PYTEST_CURRENT_TEST), the
public `RouterData.from_router_data` assigned to the `router` property, and the substate
taken with `get_substate`. Handlers are then run as the event processor runs them,
`handler.fn(state, **payload)`, so any JSON a browser could send reaches them unchanged.

The database is the process-wide one of tests/conftest.py, shared by the whole session, so
each test makes its own uniquely named users and (by default) uses its own client address.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import factories
import jwt
import pytest
import reflex as rx
from reflex import constants
from reflex.event import EventHandler
from reflex.state import RouterData
from sqlmodel import col, select
from state_helpers import TEST_NONCE, now, revoke

from fintech_ui.db import session_scope
from fintech_ui.models import Cart, CartLine, Order
from fintech_ui.security import (
    LOGIN_NONCE_COOKIE,
    SESSION_COOKIE,
    TokenClaims,
    decode_token,
    issue_token,
)
from fintech_ui.services import ledger
from fintech_ui.services.accounts import disable_user
from fintech_ui.settings import get_settings
from fintech_ui.state.cart import CartState

FRONTEND_ORIGIN = "http://localhost:3000"
StateT = TypeVar("StateT", bound=rx.State)


def unique_username() -> str:
    """A fresh valid username: letters and digits, 18 characters."""
    return "u" + uuid.uuid4().hex[:17]


def unique_password() -> str:
    """A fresh password that passes the policy and contains no test username."""
    return f"Correct-Horse-{uuid.uuid4().hex[:12]}"


def unique_client_ip() -> str:
    """A fresh address in 10.0.0.0/8, so the per-address throttle starts from zero."""
    n = uuid.uuid4().int
    return f"10.{n % 256}.{(n >> 8) % 256}.{(n >> 16) % 254 + 1}"


def router_data_for(
    *, url: str, cookie: str | None, client_ip: str, login_nonce: str | None = TEST_NONCE
) -> dict[str, Any]:
    """The router_data Reflex builds for an event sent from the page at `url`.

    Every browser that loaded a page holds a login nonce (`login_nonce`, None: it has none);
    it is sent after the other cookies, so `cookie` may still be malformed or empty.
    """
    parts = urlsplit(url)
    headers = {"origin": FRONTEND_ORIGIN, "host": "localhost:8000"}
    if login_nonce is not None:
        nonce = f"{LOGIN_NONCE_COOKIE}={login_nonce}"
        cookie = nonce if cookie is None else f"{cookie}; {nonce}"
    if cookie is not None:
        headers["cookie"] = cookie
    return {
        constants.RouteVar.HEADERS: headers,
        constants.RouteVar.PATH: parts.path,  # the route pattern; the path for static routes
        constants.RouteVar.ORIGIN: url,  # "asPath": the path and query the browser shows
        constants.RouteVar.QUERY: dict(parse_qsl(parts.query)),
        constants.RouteVar.CLIENT_IP: client_ip,
        constants.RouteVar.CLIENT_TOKEN: str(uuid.uuid4()),
        constants.RouteVar.SESSION_ID: uuid.uuid4().hex,
    }


def build_state(
    state_cls: type[StateT],
    *,
    cookie: str | None = None,
    url: str = "/",
    client_ip: str = "",
    login_nonce: str | None = TEST_NONCE,
) -> StateT:
    """An instance of `state_cls` in a fresh state tree whose router describes the request.

    `cookie` is the raw Cookie header (None: the browser sent none), `url` the page's path
    and query, `client_ip` the websocket peer's address (empty: a fresh one).
    """
    router_data = router_data_for(
        url=url,
        cookie=cookie,
        client_ip=client_ip or unique_client_ip(),
        login_nonce=login_nonce,
    )
    root = rx.State(_reflex_internal_init=True)
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate([state_cls.get_name()])


def run_handler(state: rx.State, handler: EventHandler, **payload: Any) -> Any:
    """Run an event handler on `state` with a browser's payload; return what it returned
    (a handler that yields: the last thing it yielded other than None)."""
    result = handler.fn(state, **payload)
    if inspect.isasyncgen(result):

        async def drain() -> Any:
            last = None
            async for update in result:
                last = update if update is not None else last
            return last

        return asyncio.run(drain())
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def session_cookie(token: str) -> str:
    """The Cookie header of a browser that holds this session token."""
    return f"{SESSION_COOKIE}={token}"


@dataclass(frozen=True)
class Account:
    """A registered test user and the password that logs it in."""

    id: int
    username: str
    password: str


@pytest.fixture
def make_state() -> Callable[..., Any]:
    """`make_state(StateClass, cookie=..., url=..., client_ip=...)`; see `build_state`."""
    return build_state


@pytest.fixture
def handle() -> Callable[..., Any]:
    """`handle(state, State.handler, **payload)`; see `run_handler`."""
    return run_handler


@pytest.fixture
def cookie_for() -> Callable[[str], str]:
    """`cookie_for(token)`: the Cookie header carrying that session token."""
    return session_cookie


@pytest.fixture
def new_account() -> Callable[..., Account]:
    """`new_account(created_at=None)`: a fresh user registered through the services."""

    def make(created_at: int | None = None) -> Account:
        username, password = unique_username(), unique_password()
        when = int(time.time()) if created_at is None else created_at
        with session_scope() as db:
            user_id = factories.user(db, username, password=password, now=when)
        return Account(id=user_id, username=username, password=password)

    return make


@pytest.fixture
def open_session() -> Callable[..., str]:
    """`open_session(account, now=None)`: a session token, opened at `now` (default: now)."""

    def make(account: Account, now: int | None = None) -> str:
        with session_scope() as db:
            return factories.session_token(
                db, account.id, now=int(time.time()) if now is None else now
            )

    return make


# ----------------------------------------------- shop helpers: products, money, carts


def sibling_state(state: rx.State, state_cls: type[StateT]) -> StateT:
    """The `state_cls` instance of the same state tree (same browser tab) as `state`."""
    return state._get_root_state().get_substate([state_cls.get_name()])


@dataclass(frozen=True)
class Product:
    """A product inserted for one test."""

    id: int
    sku: str
    name: str
    price_cents: int
    stock: int


def insert_item(
    name: str | None = None,
    *,
    price_cents: int = 1_000,
    stock: int = 100,
    category: str = "fund",
    active: bool = True,
) -> Product:
    """A fresh product with a unique SKU (the shared test database starts with none)."""
    with session_scope() as db:
        row = factories.item(
            db, name, price_cents=price_cents, stock=stock, category=category, active=active
        )
        return Product(id=row.id, sku=row.sku, name=row.name, price_cents=price_cents, stock=stock)


def deposit_cents(user_id: int, cents: int) -> None:
    """Put money on a user's account through the ledger (split into allowed top-ups)."""
    with session_scope() as db:
        factories.fund(db, user_id, cents, now=int(time.time()))


def balance_cents(user_id: int) -> int:
    """The user's balance as the database has it."""
    with session_scope(read_only=True) as db:
        return ledger.balance_cents(db, user_id=user_id)


def cart_contents(
    *, user_id: int | None = None, visitor_token: str | None = None
) -> list[tuple[int, int, int]]:
    """(item_id, quantity, seen_price_cents) of every line of that owner's cart, by item id."""
    owner = (
        col(Cart.user_id) == user_id
        if user_id is not None
        else col(Cart.visitor_token) == visitor_token
    )
    with session_scope(read_only=True) as db:
        rows = db.exec(
            select(CartLine.item_id, CartLine.quantity, CartLine.seen_price_cents)
            .join(Cart, col(Cart.id) == CartLine.cart_id)
            .where(owner)
            .order_by(col(CartLine.item_id))
        ).all()
    return [tuple(row) for row in rows]


def order_ids(user_id: int) -> list[int]:
    """The ids of the user's orders, oldest first."""
    with session_scope(read_only=True) as db:
        return list(
            db.exec(select(Order.id).where(Order.user_id == user_id).order_by(col(Order.id))).all()
        )


def put_in_cart(user_id: int, item_id: int, quantity: int = 1) -> None:
    """Put units of a product in a user's cart through the cart service."""
    with session_scope() as db:
        factories.put_in_cart(db, user_id, item_id, quantity, now=int(time.time()))


def buy(user_id: int, item_id: int, quantity: int = 1) -> int:
    """An order of `quantity` units, placed through the services; its id."""
    return factories.order(session_scope, user_id, item_id, quantity, now=int(time.time()))


class Shop:
    """The shop helpers above, reachable through the `shop` fixture."""

    sibling_state = staticmethod(sibling_state)
    insert_item = staticmethod(insert_item)
    deposit_cents = staticmethod(deposit_cents)
    balance_cents = staticmethod(balance_cents)
    cart_contents = staticmethod(cart_contents)
    order_ids = staticmethod(order_ids)
    put_in_cart = staticmethod(put_in_cart)
    buy = staticmethod(buy)


@pytest.fixture
def shop() -> Shop:
    """Products, money, carts and orders for state tests: see the `Shop` helpers."""
    return Shop()


# ------------------------------------ shared by the auth and cart state test files


@pytest.fixture
def hostile_cookie(new_account, open_session, cookie_for) -> Callable[[str], str]:
    """`hostile_cookie(kind)`: a Cookie header that must not count as a live session."""

    def make(kind: str) -> str:
        settings = get_settings()
        account = new_account()
        if kind == "revoked":
            token = open_session(account)
            revoke(token)
            return cookie_for(token)
        if kind == "expired":
            return cookie_for(
                open_session(account, now=now() - settings.session_absolute_seconds - 60)
            )
        if kind == "idle":
            return cookie_for(open_session(account, now=now() - settings.session_idle_seconds - 60))
        if kind == "disabled user":
            token = open_session(account)
            with session_scope() as db:
                disable_user(db, user_id=account.id, now=now())
            return cookie_for(token)
        live = decode_token(open_session(account), key=settings.secret_key)
        assert live is not None
        if kind == "forged with another key":
            return cookie_for(issue_token(live, key=b"k" * 48))
        if kind == "unsigned alg none":
            payload = {"sub": live.sub, "jti": live.jti, "iat": live.iat, "exp": live.exp}
            return cookie_for(jwt.encode(payload, None, algorithm="none"))
        if kind == "live session's jti under another user id":
            # Signed with the real key: only the row's own user_id check can refuse it.
            claims = TokenClaims(
                sub=str(account.id + 10_000), jti=live.jti, iat=live.iat, exp=live.exp
            )
            return cookie_for(issue_token(claims, key=settings.secret_key))
        if kind == "unknown jti":
            claims = TokenClaims(sub=live.sub, jti="no-such-jti", iat=live.iat, exp=live.exp)
            return cookie_for(issue_token(claims, key=settings.secret_key))
        garbage = {
            "not a jwt": cookie_for("not-a-jwt"),
            "empty value": cookie_for(""),
            "oversized value": cookie_for("a" * 5000),
            "unterminated quote": 'fintech_session="abc',
            "illegal cookie name": "a@b=1",
            "binary junk": "\x00\x01\xff;;=;fintech_session",
            "only separators": ";;;  ; =",
        }
        return garbage[kind]

    return make


@dataclass(frozen=True)
class Customer:
    """A logged-in user with a product in the cart, and a way to open their cart tab."""

    account: Any
    cookie: str
    product: Any
    shop: Any
    make_state: Callable[..., Any]

    def state(self) -> CartState:
        """A fresh CartState of a tab that sends this user's session cookie, showing the cart
        (its version is the one on screen, as after the page's on_load)."""
        state = self.make_state(CartState, cookie=self.cookie, url="/cart")
        run_handler(state, CartState.load)
        return state

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
def buyer(customer, shop):
    """The customer (2 units at $12.50 in the cart) with $100.00 on the account."""
    shop.deposit_cents(customer.account.id, 10_000)
    return customer
