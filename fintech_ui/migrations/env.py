"""Alembic environment: runs revisions against the URL handed over by fintech_ui.db.migrate."""

from alembic import context

from fintech_ui.db import make_engine

config = context.config
engine = make_engine(config.attributes["database_url"])
with engine.connect() as connection:
    context.configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
