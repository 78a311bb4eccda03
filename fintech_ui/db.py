"""The database engine, sessions, schema migrations and demo data.

Schema changes go through Alembic revisions in `migrations/versions`, so upgrading an
existing database keeps every user's data. `python -m fintech_ui.db upgrade` is idempotent.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from fintech_ui.durability import is_money_free
from fintech_ui.errors import DomainError
from fintech_ui.settings import ConfigError, get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers proceed during a write; foreign keys are off by default in SQLite;
    # busy_timeout makes a second writer wait instead of failing at once.
    dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")  # every commit durable, unless marked otherwise
    cursor.close()


# Written by hand in migrations 0003 and 0007 (search indexes, page marks and what keeps them),
# not modelled: autogenerate and the schema tests leave them alone.
HAND_WRITTEN_OBJECTS = (
    "items_search",
    "items_grams",
    "ix_items_name_trgm",
    "ix_items_pieces",
    "catalogue_",
)


def include_in_autogenerate(name: str | None, _type: str, _parents: object) -> bool:
    """Alembic filter: leave out the objects written by hand (HAND_WRITTEN_OBJECTS)."""
    return not (name or "").startswith(HAND_WRITTEN_OBJECTS)


def _sqlite_begin(connection) -> None:
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
    # writer committed in between, and busy_timeout cannot help. Writers therefore take the
    # write lock up front (BEGIN IMMEDIATE) and queue; pure readers stay deferred.
    # Both go straight to the driver: fixed statements, on every transaction of every click.
    options = connection.get_execution_options()
    driver = connection.connection.driver_connection
    _sqlite_synchronous(connection, driver, options.get("sqlite_synchronous", "FULL"))
    mode = options.get("sqlite_begin", "DEFERRED")
    if mode == "IMMEDIATE" and isinstance(driver, _TurnTakingConnection):
        driver.take_turn(_writer_turn(str(connection.engine.url)))
    try:
        driver.execute(_SQLITE_BEGIN[mode])
    except BaseException:
        if isinstance(driver, _TurnTakingConnection):
            driver.give_turn()
        raise


_SQLITE_BEGIN = {"DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE"}
WRITER_WAIT_SECONDS = 10  # as SQLite's busy_timeout


@functools.cache
def _writer_turn(url: str) -> threading.Lock:
    return threading.Lock()


class _TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection whose writing transactions take turns on a lock of the process.

    SQLite lets one writer in at a time. Threads of this process that wait for it inside
    SQLite sleep in its busy handler (1, 2, 5, 10 ... 100 ms between tries), however soon the
    lock is free: a click's round trip grows by whole milliseconds under load. Waiting on a
    lock of the process instead hands the write lock over at once. The turn is taken at
    BEGIN IMMEDIATE and given back when the transaction ends (commit or rollback, including
    a commit in the middle of a use case, as a login does before bcrypt), never held longer.
    busy_timeout still covers writers in other processes.
    """

    turn: threading.Lock | None = None

    def take_turn(self, turn: threading.Lock) -> None:
        if self.turn is not None:  # still ours: a transaction that never ended
            return
        if not turn.acquire(timeout=WRITER_WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        self.turn = turn

    def give_turn(self) -> None:
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn()


def _sqlite_synchronous(connection, driver, level: str) -> None:
    # The level is per connection and cannot change inside a transaction: set it just before
    # BEGIN, and only when this pooled connection's last transaction used another one.
    # In WAL mode NORMAL stays crash-consistent; a power cut may lose the last such commits.
    if level != "KEEP" and connection.info.get("sqlite_synchronous", "FULL") != level:
        driver.execute(
            {"FULL": "PRAGMA synchronous=FULL", "NORMAL": "PRAGMA synchronous=NORMAL"}[level]
        )
        connection.info["sqlite_synchronous"] = level


def make_engine(url: str) -> Engine:
    """An engine for `url` with the pragmas and pool settings this app relies on."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": WRITER_WAIT_SECONDS,
                "factory": _TurnTakingConnection,
            },
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@functools.cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


def now() -> int:
    """The current UNIX time in whole seconds: the one clock every use case is given."""
    return int(time.time())


@contextmanager
def session_scope(
    engine: Engine | None = None, *, read_only: bool = False, durable: bool = True
) -> Iterator[Session]:
    """A transaction on `engine` (the app's by default) that commits on success and rolls
    back on any error.

    On SQLite a writing transaction takes the database's write lock when it begins;
    pass read_only=True for transactions that only read, so they never queue.
    durable=False (money-free writes only, e.g. a cart click) commits without waiting for
    the disk: SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off.
    """
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        if read_only:  # a reader commits nothing worth a pragma of its own
            session.connection(execution_options={"sqlite_synchronous": "KEEP"})
        else:
            options = {"sqlite_begin": "IMMEDIATE", "sqlite_synchronous": "FULL"}
            if not durable:
                options["sqlite_synchronous"] = "NORMAL"
            connection = session.connection(execution_options=options)
            if not durable and connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# bcrypt work (login, registration, password change) gets threads of its own: a storm of
# logins (~0.25 s each) on the default executor would stall every user's cart clicks. One
# thread short of the core count leaves a core and the default executor to everyone else.
PASSWORD_THREADS = max(1, (os.cpu_count() or 2) - 1)
PASSWORD_POOL = ThreadPoolExecutor(max_workers=PASSWORD_THREADS, thread_name_prefix="password")
BUSY_RETRY_SECONDS = 5


class Busy(DomainError):
    """Too much password work is queued already; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int = BUSY_RETRY_SECONDS):
        super().__init__("The service is busy, try again in a few seconds.")
        self.retry_after = retry_after


@functools.cache
def _password_slots() -> threading.BoundedSemaphore:
    # Counts password jobs waiting or running. Unbounded, a flood of logins or registrations
    # would queue for minutes and every real user's login behind it; bounded, the excess is
    # told "busy" at once (HTTP 503 with Retry-After) and the queue drains in seconds.
    limit = get_settings().password_queue_limit or 4 * PASSWORD_THREADS
    return threading.BoundedSemaphore(limit)


async def run(
    use_case: Callable[..., T],
    /,
    *args: Any,
    read_only: bool = False,
    passwords: bool = False,
    **kwargs: Any,
) -> T:
    """use_case(db, *args, **kwargs) in one transaction on a worker thread, awaited without
    blocking the event loop: the one way the UI and the API reach the database.

    passwords=True runs it on the bcrypt pool instead of the default executor, or raises Busy
    when that pool already has its limit of jobs waiting or running. A use case marked
    `durability.money_free` commits without waiting for the disk; all others durably.
    """
    durable = not is_money_free(use_case)
    slots = _password_slots() if passwords else None
    if slots is not None and not slots.acquire(blocking=False):
        raise Busy()

    def work() -> T:
        try:
            with session_scope(read_only=read_only, durable=durable) as db:
                return use_case(db, *args, **kwargs)
        finally:
            if slots is not None:  # released when the job ends, even if its caller left
                slots.release()

    executor = PASSWORD_POOL if passwords else None
    try:
        future = asyncio.get_running_loop().run_in_executor(executor, work)
    except BaseException:
        if slots is not None:
            slots.release()
        raise
    return await future


def migrate(url: str | None = None) -> None:
    """Bring the schema up to the newest revision; a no-op when it already is."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url or get_settings().database_url
    command.upgrade(cfg, "head")


def main(argv: list[str]) -> int:
    """`python -m fintech_ui.db upgrade`: prepare the database before the app starts."""
    if argv[1:] != ["upgrade"]:
        print("usage: python -m fintech_ui.db upgrade", file=sys.stderr)
        return 2
    try:
        migrate()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"cannot migrate the database: {reason}", file=sys.stderr)
        return 1
    shown = make_url(get_settings().database_url).render_as_string(hide_password=True)
    print(f"database ready: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
