"""Substring search index on product names: FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    # External-content FTS5 table: the index only, names stay in items.
    "CREATE VIRTUAL TABLE items_search USING fts5("
    "name_key, content='items', content_rowid='id', tokenize='trigram')",
    "INSERT INTO items_search(rowid, name_key) SELECT id, name_key FROM items",
    "CREATE TRIGGER items_search_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO items_search(rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER items_search_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO items_search(items_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER items_search_au AFTER UPDATE OF name_key ON items BEGIN "
    "INSERT INTO items_search(items_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO items_search(rowid, name_key) VALUES (new.id, new.name_key); END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS items_search_au",
    "DROP TRIGGER IF EXISTS items_search_ad",
    "DROP TRIGGER IF EXISTS items_search_ai",
    "DROP TABLE IF EXISTS items_search",
]
_POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_items_name_trgm ON items USING gin (name_key gin_trgm_ops)",
]
_POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_items_name_trgm"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_UP if dialect == "sqlite" else _POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_DOWN if dialect == "sqlite" else _POSTGRES_DOWN:
        op.execute(statement)
