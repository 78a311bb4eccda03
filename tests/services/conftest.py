"""Fixtures that run a service test on SQLite and on PostgreSQL.

The schema is migrated ONCE per test session and each test gets a clean copy of it:
- SQLite: a template file migrated at the first SQLite test, copied to the test's own file
  (the template is closed, so there is no WAL to copy along);
- PostgreSQL: one database `fintech_svc_<uuid>` migrated at the first PostgreSQL test and
  dropped at the end; before each test every table but alembic_version is emptied with
  DELETE and every sequence restarted (~40 ms), so ids start at 1 as on a new database.
  Rolling each test back (a SAVEPOINT around it) cannot serve here: the services commit, and
  the concurrency tests race several connections. Measured alternatives were slower than the
  schema + migration per test they replace: `CREATE DATABASE ... TEMPLATE` 0.3-0.6 s a test,
  TRUNCATE 0.2-0.4 s (it makes new files for every table and index).

`database_url` names that clean database, `engine` is `make_engine` on it, `scope` is
`fintech_ui.db.session_scope` bound to that engine and `db` one open session on it.
`make_user`, `make_item` (tests/factories.py), `snapshot` and `check_invariants` build data
and check the whole database through `scope`.

Without a reachable PostgreSQL server the postgres cases are skipped, unless
FINTECH_REQUIRE_SERVICES=1 (as in CI): then they fail.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from fintech_ui.db import make_engine, migrate, session_scope
from testsupport import invariants
from testsupport.postgres import postgres_problem

T0 = factories.T0

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
        problem = postgres_problem(url)
        if not problem:
            return url, ""
        reasons.append(problem)
    return None, "; ".join(reasons)


def _require_postgres() -> str:
    url, reason = _postgres_server()
    if url is None:
        message = f"PostgreSQL is unreachable ({reason})"
        if os.environ.get("FINTECH_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} but FINTECH_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the whole session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "service.db"
    migrate(f"sqlite:///{path}")  # its engine is disposed: the WAL is checkpointed away
    return path


def _emptying_statements(connection) -> list[str]:
    """DELETE every table (children first) and restart every sequence, as on a new database."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    sequences = connection.execute(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
    ).scalars()
    deletes = [f'DELETE FROM "{table}"' for table in tables]  # noqa: S608 (schema names)
    return deletes + [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences]


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[tuple[str, list[str]]]:
    """A PostgreSQL database migrated once for the session, and the statements emptying it."""
    base = _require_postgres()
    name = f"fintech_svc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    # No fsync per commit: these tests check logic and races, not durability after a crash.
    url = (
        make_url(base)
        .set(database=name)
        .update_query_dict({"options": "-csynchronous_commit=off"})
        .render_as_string(hide_password=False)
    )
    try:
        migrate(url)
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            statements = _emptying_statements(connection)
        engine.dispose()
        yield url, statements
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, fully migrated database for this test, on each supported backend."""
    if request.param == "sqlite":
        path = tmp_path / "service.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url, statements = request.getfixturevalue("_postgres_database")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            # A connection leaked by an earlier failed test must not hang the whole run.
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str):
    """The app's engine (pragmas, pool settings) on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scope(engine):
    """`scope()` / `scope(read_only=True)`: fintech_ui.db.session_scope on `engine`."""
    return functools.partial(session_scope, engine)


@pytest.fixture
def db(engine) -> Iterator[Session]:
    """One session on the test's database; the test commits (or not) as it likes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


# --- data factories and whole-database checks ----------------------------------------


@pytest.fixture
def make_user(scope) -> Callable[..., int]:
    """`make_user(name=None, balance_cents=0)`: a user with an account funded by deposits."""
    numbers = itertools.count(1)

    def _make(name: str | None = None, *, balance_cents: int = 0) -> int:
        with scope() as db:
            return factories.user(
                db, name or f"user{next(numbers):04d}", balance_cents=balance_cents
            )

    return _make


@pytest.fixture
def make_item(scope) -> Callable[..., int]:
    """`make_item(name=..., category=, price_cents=, stock=, active=)`: a product's id."""

    def _make(name: str | None = None, **fields) -> int:
        with scope() as db:
            return factories.item(db, name, **fields).id

    return _make


@pytest.fixture
def snapshot(engine) -> Callable[[], dict[str, list[tuple]]]:
    """`snapshot()`: every row of every money-, stock- and cart-related table, in order."""
    return functools.partial(invariants.snapshot, engine)


@pytest.fixture
def check_invariants(engine) -> Callable[[], None]:
    """`check_invariants()`: the ledger explains every balance and every order was paid."""
    return functools.partial(invariants.check_money_invariants, engine)
