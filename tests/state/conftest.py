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
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import pytest
import reflex as rx
from reflex import constants
from reflex.event import EventHandler
from reflex.state import RouterData
from sqlmodel import col, select

from fintech_ui.db import session_scope
from fintech_ui.models import Cart, CartLine, Item, Order, User
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services import cart as carts
from fintech_ui.services import ledger
from fintech_ui.services.accounts import register
from fintech_ui.services.orders import checkout
from fintech_ui.services.sessions import create_session
from fintech_ui.settings import get_settings

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


def router_data_for(*, url: str, cookie: str | None, client_ip: str) -> dict[str, Any]:
    """The router_data Reflex builds for an event sent from the page at `url`."""
    parts = urlsplit(url)
    headers = {"origin": FRONTEND_ORIGIN, "host": "localhost:8000"}
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
    state_cls: type[StateT], *, cookie: str | None = None, url: str = "/", client_ip: str = ""
) -> StateT:
    """An instance of `state_cls` in a fresh state tree whose router describes the request.

    `cookie` is the raw Cookie header (None: the browser sent none), `url` the page's path
    and query, `client_ip` the websocket peer's address (empty: a fresh one).
    """
    router_data = router_data_for(url=url, cookie=cookie, client_ip=client_ip or unique_client_ip())
    root = rx.State(_reflex_internal_init=True)
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate([state_cls.get_name()])


def run_handler(state: rx.State, handler: EventHandler, **payload: Any) -> Any:
    """Run an event handler on `state` with a browser's payload; return what it returned."""
    return asyncio.run(handler.fn(state, **payload))


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
        with session_scope() as db:
            user = register(
                db,
                username=username,
                password=password,
                settings=get_settings(),
                now=int(time.time()) if created_at is None else created_at,
            )
            assert user.id is not None
            return Account(id=user.id, username=username, password=password)

    return make


@pytest.fixture
def open_session() -> Callable[..., str]:
    """`open_session(account, now=None)`: a session token, opened at `now` (default: now)."""

    def make(account: Account, now: int | None = None) -> str:
        with session_scope() as db:
            user = db.get(User, account.id)
            assert user is not None
            return create_session(
                db,
                user=user,
                settings=get_settings(),
                now=int(time.time()) if now is None else now,
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
    sku = "T" + uuid.uuid4().hex[:20]
    name = name if name is not None else f"Test product {sku}"
    with session_scope() as db:
        item = Item(
            sku=sku,
            name=name,
            name_key=name.lower(),
            category=category,
            description="A product made by a test.",
            price_cents=price_cents,
            stock=stock,
            risk_level=3,
            is_active=active,
        )
        db.add(item)
        db.flush()
        assert item.id is not None
        return Product(id=item.id, sku=sku, name=name, price_cents=price_cents, stock=stock)


def deposit_cents(user_id: int, cents: int) -> None:
    """Put money on a user's account through the ledger (split into allowed top-ups)."""
    with session_scope() as db:
        while cents > 0:
            part = min(cents, ledger.MAX_DEPOSIT_CENTS)
            ledger.deposit(
                db,
                idempotency_key=uuid.uuid4().hex,
                user_id=user_id,
                amount_cents=part,
                now=int(time.time()),
            )
            cents -= part


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
        carts.add_item(
            db,
            carts.CartOwner(user_id=user_id),
            item_id=item_id,
            quantity=quantity,
            now=int(time.time()),
        )


def buy(user_id: int, item_id: int, quantity: int = 1) -> int:
    """An order of `quantity` units, placed through the services; its id."""
    with session_scope(read_only=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        price = item.price_cents
    put_in_cart(user_id, item_id, quantity)
    deposit_cents(user_id, price * quantity)
    order = checkout(
        session_scope,
        user_id=user_id,
        idempotency_key=uuid.uuid4().hex,
        item_id=item_id,
        now=int(time.time()),
    )
    assert order.id is not None
    return order.id


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
