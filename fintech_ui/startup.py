"""Start-up checks: refuse to serve when the database or Redis is not usable, saying why.

Run at import of the app (fintech_ui/fintech_ui.py), before anyone is served, so every way of
starting it (`reflex run`, granian or uvicorn on the module) fails fast with one line. Also the
one read done at start-up: the catalogue's first page, compiled into the page "/".
"""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from fintech_ui.db import MIGRATIONS_DIR, make_engine, session_scope
from fintech_ui.services.catalogue import CataloguePage, make_query, search_items
from fintech_ui.settings import get_settings


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached or its schema is not the newest; message says which."""


def check_ready(url: str | None = None) -> None:
    """Refuse to serve when the database is unreachable or not migrated to the newest revision."""
    url = url or get_settings().database_url
    shown = make_url(url).render_as_string(hide_password=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseNotReady(f"cannot reach the database {shown}: {reason}") from None
    finally:
        engine.dispose()
    if current != head:
        raise DatabaseNotReady(
            f"the database {shown} is at revision {current}, not {head}: run `make db` first"
        )


def check_redis(url: str) -> None:
    """Refuse to serve when the configured Redis (Reflex's state manager) cannot be reached."""
    if not url:
        return
    import redis

    shown = (
        make_url(url.replace("redis://", "postgresql://", 1))
        .render_as_string(hide_password=True)
        .replace("postgresql://", "redis://", 1)
    )
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise DatabaseNotReady(f"cannot reach Redis at {shown}: {exc}") from None
    finally:
        client.close()


def catalogue_first_page(url: str | None = None) -> CataloguePage:
    """The catalogue's default view (page 1 of every active product, by name), as it is now.

    On an engine of its own, disposed of after: the process that compiles the app forks the
    server's workers, which must not inherit its open connections.
    """
    engine = make_engine(url or get_settings().database_url)
    try:
        with session_scope(engine, read_only=True) as db:
            return search_items(db, make_query())
    finally:
        engine.dispose()
