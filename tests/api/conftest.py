"""Fixtures for the JSON API tests: HTTP clients, logged-in users, products and money.

The API is driven over HTTP with Starlette's TestClient, either bare (paths without the /api
prefix) or mounted under /api exactly as fintech_ui/fintech_ui.py mounts it in production.
Server exceptions are turned into responses (raise_server_exceptions=False), so a bug shows
up as the 500 a real client would get and the assertion on the status names it.

The database is the process-wide one of tests/conftest.py, shared by the whole test session:
every test makes its own uniquely named users and products. TestClient always reports the
client address "testclient", and the per-address login throttle would eventually slow every
login down, so that address's failures are forgiven before each test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import factories
import pytest
from sqlalchemy import delete
from sqlmodel import col
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from fintech_ui.api import api
from fintech_ui.db import session_scope
from fintech_ui.models import Item, LoginFailure

TEST_CLIENT_ADDRESS = "testclient"  # what TestClient reports as the peer of every request


@dataclass(frozen=True)
class ApiUser:
    """A registered user, logged in through POST /login."""

    id: int
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Flask service's token header."""
        return {"x-access-tokens": self.token}

    @property
    def bearer(self) -> dict[str, str]:
        """The standard token header."""
        return {"Authorization": f"Bearer {self.token}"}


def new_username() -> str:
    """A fresh valid username (letters, digits and '_', 16 characters)."""
    return f"api_{uuid.uuid4().hex[:12]}"


def new_password() -> str:
    """A fresh password that passes the policy and contains no test username."""
    return f"Velvet-Orbit-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def username() -> str:
    """A fresh valid username nobody has registered."""
    return new_username()


@pytest.fixture
def password() -> str:
    """A fresh password that passes the policy."""
    return new_password()


@pytest.fixture(autouse=True)
def _forgive_test_client_address() -> None:
    """Forget the failed logins and registrations counted against TestClient's address by
    earlier tests (each test registers a few users from that one address)."""
    with session_scope() as db:
        db.exec(
            delete(LoginFailure).where(
                col(LoginFailure.scope).in_(("addr", "reg")),
                col(LoginFailure.key) == TEST_CLIENT_ADDRESS,
            )
        )


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The API application itself: paths without the /api prefix."""
    with TestClient(api, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def prefixed_client() -> Iterator[TestClient]:
    """The API mounted under /api, as in production."""
    app = Starlette(routes=[Mount("/api", app=api)])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def make_user(client: TestClient) -> Callable[..., ApiUser]:
    """`make_user()`: register a fresh user over the API and log them in."""

    def _make(username: str | None = None, password: str | None = None) -> ApiUser:
        username = username or new_username()
        password = password or new_password()
        registered = client.post("/register", json={"username": username, "password": password})
        assert registered.status_code == 201, registered.text
        logged_in = client.post("/login", auth=(username, password))
        assert logged_in.status_code == 200, logged_in.text
        return ApiUser(
            id=registered.json()["id"],
            username=username,
            password=password,
            token=logged_in.json()["token"],
        )

    return _make


@pytest.fixture
def user(make_user: Callable[..., ApiUser]) -> ApiUser:
    """A fresh logged-in user with an empty cart and a zero balance."""
    return make_user()


@pytest.fixture
def make_item() -> Callable[..., int]:
    """`make_item(name=..., price_cents=..., stock=..., category=..., active=...)`: an id."""

    def _make(
        name: str | None = None,
        *,
        price_cents: int = 1000,
        stock: int = 10,
        category: str = "fund",
        active: bool = True,
        risk_level: int = 3,
    ) -> int:
        with session_scope() as db:
            return factories.item(
                db,
                name,
                price_cents=price_cents,
                stock=stock,
                category=category,
                active=active,
                risk_level=risk_level,
            ).id

    return _make


@pytest.fixture
def fund() -> Callable[[ApiUser, int], None]:
    """`fund(user, cents)`: deposit money straight through the ledger (not the API)."""

    def _fund(user: ApiUser, cents: int) -> None:
        with session_scope() as db:
            factories.fund(db, user.id, cents, now=int(time.time()))

    return _fund


@pytest.fixture
def set_item() -> Callable[..., None]:
    """`set_item(item_id, price_cents=..., stock=..., is_active=...)`: change a product."""

    def _set(item_id: int, **values: Any) -> None:
        with session_scope() as db:
            item = db.get(Item, item_id)
            assert item is not None
            for name, value in values.items():
                setattr(item, name, value)
            db.add(item)

    return _set


@pytest.fixture
def fresh_token() -> Callable[[ApiUser], str]:
    """`fresh_token(user)`: another live session token, opened without POST /login."""

    def _token(user: ApiUser) -> str:
        with session_scope() as db:
            return factories.session_token(db, user.id, now=int(time.time()))

    return _token
