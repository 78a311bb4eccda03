"""Alembic revisions produce exactly the schema the models describe, and re-running is safe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func
from sqlmodel import SQLModel, select

import fintech_ui.models  # noqa: F401  (registers every table on SQLModel.metadata)
from fintech_ui.db import MIGRATIONS_DIR, include_in_autogenerate, migrate
from fintech_ui.models import User

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
