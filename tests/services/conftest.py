"""Fixtures that run a service test on SQLite and on PostgreSQL.

`database_url` is a freshly migrated database of the test's own: a temporary SQLite file, or
a new PostgreSQL schema (dropped afterwards) in a database of the test run's own, selected
through `search_path`.
`engine` is `make_engine` on it, and `scope` a factory of transactions that behaves like
`fintech_ui.db.session_scope` but on this engine. `make_user`, `make_item`, `snapshot` and
`check_invariants` build data and check the whole database through `scope`.

Without a reachable PostgreSQL server the postgres cases are skipped, unless
FINTECH_REQUIRE_SERVICES=1 (as in CI): then they fail.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from fintech_ui.db import make_engine, migrate
from fintech_ui.models import (
    Account,
    Cart,
    CartLine,
    Item,
    LedgerEntry,
    Order,
    OrderLine,
    User,
)
from fintech_ui.services.ledger import MAX_DEPOSIT_CENTS, deposit

T0 = 1_700_000_000

# FINTECH_TEST_POSTGRES_URL picks the server; otherwise the local one, as postgres or root.
_POSTGRES_CANDIDATES = (
    [os.environ["FINTECH_TEST_POSTGRES_URL"]]
    if os.environ.get("FINTECH_TEST_POSTGRES_URL")
    else [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://root@127.0.0.1:5432/test",
    ]
)


@functools.cache
def _postgres_server() -> tuple[str | None, str]:
    """The first candidate URL that answers, or None and why none did."""
    reasons = []
    for url in _POSTGRES_CANDIDATES:
        engine = create_engine(url, connect_args={"connect_timeout": 3}, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url, ""
        except SQLAlchemyError as exc:
            reasons.append(f"{url}: {type(getattr(exc, 'orig', None) or exc).__name__}")
        finally:
            engine.dispose()
    return None, "; ".join(reasons)


@functools.cache
def _run_database(server: str) -> str:
    """A database of this test run's own on `server`, with pg_trgm in its public schema,
    dropped at exit.

    Left to migration 0003 in a shared database, pg_trgm lands in the first test schema that
    runs it and dies with that schema, under every other test (and every other run on the
    same server) still using it: "operator class gin_trgm_ops does not exist".
    """
    name = f"fintech_s_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    engine.dispose()

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    atexit.register(drop)
    return url


def _require_postgres() -> str:
    url, reason = _postgres_server()
    if url is None:
        message = f"PostgreSQL is unreachable ({reason})"
        if os.environ.get("FINTECH_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} but FINTECH_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return _run_database(url)


@contextmanager
def _postgres_schema() -> Iterator[str]:
    base = _require_postgres()
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        # public second: it holds pg_trgm for every test schema of the run
        yield f"{base}{separator}options=-csearch_path%3D{schema},public"
    finally:
        with admin.connect() as connection:
            # A connection leaked by a failed test must not hang the whole run.
            connection.execute(text("SET lock_timeout = '15s'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database of this test's own, on each supported backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'service.db'}"
        migrate(url)
        yield url
        return
    with _postgres_schema() as url:
        migrate(url)
        yield url


@pytest.fixture
def engine(database_url: str):
    """The app's engine (pragmas, pool settings) on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scope(engine):
    """`scope()` / `scope(read_only=True)`: like fintech_ui.db.session_scope, on `engine`."""
    sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def _scope(*, read_only: bool = False) -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            if sqlite and not read_only:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    return _scope


# --- data factories and whole-database checks ----------------------------------------


@pytest.fixture
def make_user(scope) -> Callable[..., int]:
    """`make_user(name=None, balance_cents=0)`: a user with an account funded by deposits."""
    numbers = itertools.count(1)

    def _make(name: str | None = None, *, balance_cents: int = 0) -> int:
        name = name or f"user{next(numbers):04d}"
        with scope() as db:
            user = User(username=name, username_key=name.lower(), password_hash="x", created_at=T0)
            db.add(user)
            db.flush()
            db.add(Account(user_id=user.id, balance_cents=0))
            db.flush()
            left = balance_cents
            while left > 0:
                step = min(left, MAX_DEPOSIT_CENTS)
                deposit(
                    db, idempotency_key=uuid.uuid4().hex, user_id=user.id, amount_cents=step, now=T0
                )
                left -= step
            return user.id

    return _make


@pytest.fixture
def make_item(scope) -> Callable[..., int]:
    """`make_item(name=..., category=, price_cents=, stock=, active=)`: a product's id."""
    numbers = itertools.count(1)

    def _make(
        name: str | None = None,
        *,
        category: str = "fund",
        price_cents: int = 1000,
        stock: int = 10,
        active: bool = True,
        risk_level: int = 3,
    ) -> int:
        number = next(numbers)
        name = name or f"Test Product {number:04d}"
        with scope() as db:
            item = Item(
                sku=f"T-{number:06d}",
                name=name,
                name_key=name.lower(),
                category=category,
                price_cents=price_cents,
                stock=stock,
                risk_level=risk_level,
                is_active=active,
            )
            db.add(item)
            db.flush()
            return item.id

    return _make


_SNAPSHOT_TABLES = (User, Account, LedgerEntry, Item, Cart, CartLine, Order, OrderLine)


@pytest.fixture
def snapshot(scope) -> Callable[[], dict[str, list[tuple]]]:
    """`snapshot()`: every row of every money-, stock- and cart-related table, in order."""

    def _take() -> dict[str, list[tuple]]:
        with scope(read_only=True) as db:
            result = {}
            for model in _SNAPSHOT_TABLES:
                columns = list(model.__table__.columns)
                rows = db.exec(select(*columns).order_by(*model.__table__.primary_key)).all()
                result[model.__tablename__] = [tuple(row) for row in rows]
            return result

    return _take


@pytest.fixture
def check_invariants(scope) -> Callable[[], None]:
    """`check_invariants()`: the ledger explains every balance and every order was paid."""

    def _check() -> None:
        with scope(read_only=True) as db:
            for account in db.exec(select(Account)).all():
                entries = db.exec(
                    select(LedgerEntry)
                    .where(LedgerEntry.user_id == account.user_id)
                    .order_by(col(LedgerEntry.id))
                ).all()
                running = 0
                for entry in entries:
                    running += entry.amount_cents
                    assert entry.balance_after_cents == running, (account.user_id, entry)
                    assert running >= 0
                assert account.balance_cents == running, account
                assert account.balance_cents >= 0
            negative = db.exec(select(func.count()).where(col(Item.stock) < 0)).one()
            assert negative == 0
            for order in db.exec(select(Order)).all():
                debits = db.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
                assert len(debits) == 1, order
                assert debits[0].kind == "purchase"
                assert debits[0].user_id == order.user_id
                assert debits[0].amount_cents == -order.total_cents
                lines = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
                assert lines, order
                assert sum(line.line_total_cents for line in lines) == order.total_cents
                for line in lines:
                    assert line.line_total_cents == line.unit_price_cents * line.quantity
            unpaid = db.exec(
                select(func.count()).where(
                    LedgerEntry.kind == "purchase", col(LedgerEntry.order_id).is_(None)
                )
            ).one()
            assert unpaid == 0

    return _check
