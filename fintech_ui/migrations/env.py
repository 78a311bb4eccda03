"""Alembic environment: runs revisions against the URL handed over by fintech_ui.db.migrate."""

from alembic import context
from sqlmodel import SQLModel

from fintech_ui import models  # noqa: F401  (registers the tables for autogenerate)
from fintech_ui.db import include_in_autogenerate, make_engine

config = context.config
engine = make_engine(config.attributes["database_url"])
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        include_name=include_in_autogenerate,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
