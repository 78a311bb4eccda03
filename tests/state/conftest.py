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

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.accounts import register
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
