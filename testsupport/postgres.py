"""Throw-away PostgreSQL databases on the local server."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

ADMIN_URL = os.environ.get(
    "FINTECH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def postgres_problem(admin_url: str = ADMIN_URL) -> str:
    """Why the server cannot be used ("" when it answers)."""
    engine = create_engine(admin_url, connect_args={"connect_timeout": 3}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return ""
    except SQLAlchemyError as exc:
        return f"PostgreSQL is unreachable at {admin_url}: {type(exc).__name__}"
    finally:
        engine.dispose()


@contextmanager
def postgres_database(prefix: str, admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new, empty database `<prefix>_<uuid>`; its URL. Dropped (connections and all) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
