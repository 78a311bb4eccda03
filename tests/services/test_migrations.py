"""Alembic revisions produce exactly the schema the models describe, and re-running is safe;
0007 indexes the products a database already holds."""

from __future__ import annotations

import factories
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from service_helpers import expected, served, shown
from sqlalchemy import func, update
from sqlmodel import SQLModel, col, select

import fintech_ui.models  # noqa: F401  (registers every table on SQLModel.metadata)
from fintech_ui.db import MIGRATIONS_DIR, include_in_autogenerate, migrate
from fintech_ui.models import Item, User

T0 = 1_700_000_000


def _url(db) -> str:
    return db.get_bind().url.render_as_string(hide_password=False)


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def _current_revision(db) -> str | None:
    with db.get_bind().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrated_schema_matches_the_models(db):
    with db.get_bind().connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_in_autogenerate}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrate_reaches_the_head_revision(db):
    assert _current_revision(db) == _head()


def test_migrate_twice_keeps_existing_rows(db):
    db.add(User(username="alice", username_key="alice", password_hash="x", created_at=T0))
    db.commit()
    migrate(_url(db))
    assert db.exec(select(func.count()).select_from(User)).one() == 1


def test_migrate_twice_stays_at_the_head_revision(db):
    migrate(_url(db))
    assert _current_revision(db) == _head()


def _to_revision(db, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = _url(db)
    command.downgrade(config, revision)


def test_0007_pages_and_searches_the_products_already_there_and_downgrades(db, scope):
    _to_revision(db, "0006")
    with scope() as session:  # enough for several marks: the migration sets one per 512
        for n in range(1200):
            factories.item(
                session, f"Item {n % 97:02d} {'ab' if n % 3 else 'cd'}", price_cents=n % 50 + 1
            )
        session.exec(update(Item).where(col(Item.id) % 11 == 0).values(is_active=False))
    migrate(_url(db))
    with scope() as session:  # and the triggers keep it so
        factories.item(session, "Item 00 ab late", price_cents=7)
    for sort in ("name", "price", "price_desc"):
        for page in (1, 2, 50, 99, 101):
            params = {"sort": sort, "page": page}
            assert shown(served(scope, **params)) == expected(scope, **params), params
        for search in ("a", "ab", "m 0", "item 4"):
            params = {"search": search, "sort": sort, "page": 3}
            assert shown(served(scope, **params)) == expected(scope, **params), params
    _to_revision(db, "0006")
    migrate(_url(db))
    assert _current_revision(db) == _head()
