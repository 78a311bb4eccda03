"""Catalogue pages at any depth and searches of any length, answered from indexes.

Page marks: for each sort key (name, price) and each category ('' for all), a bound every few
hundred active products with the exact number of active products from that bound to the next.
Page N is then a seek to the right bound plus a short skip, and the number of products is the
sum of the marks, instead of an OFFSET or a COUNT(*) over the whole catalogue. Triggers keep the
numbers exact on every insert, delete and change of name, price, category or activity; a mark
that grows past MARK_SPLIT products is split in two at its middle product.

Search: the trigram index of 0003 is rebuilt to hold active products only and without case
folding (names are lower-cased already), so its counts are exact; a second index holds every
one- and two-letter piece of each name and its category (SQLite FTS5 `items_grams`), because
trigrams cannot find one or two letters, and `catalogue_piece_counts` how many active products
of each category have each such piece. On PostgreSQL one GIN index over an expression of all
one-, two- and three-letter pieces plus the category replaces the pg_trgm index of 0003, and
`catalogue_piece_counts` counts pieces of up to three letters.
PostgreSQL keeps all of this in statement triggers (one pass per bulk load), SQLite in row
triggers.

`catalogue_version` changes with every such change, so counts can be cached exactly.

Revision ID: 0007
Revises: 0006
"""

# ruff: noqa: S608  (schema SQL built from this file's own constants; no outside input)
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MARK_ROWS = 512  # the migration's first marks; triggers split a mark at MARK_SPLIT
MARK_SPLIT = 2 * MARK_ROWS
MAX_NAME_CHARS = 1000  # pieces are cut from positions 1..this; names are at most 120
PG_MARKS_LOCK = 7_131_007  # pg_advisory_xact_lock key: one writer of the marks at a time
# sort: (key column, its type, the lowest key as SQL and as Python): the first mark's bound.
_SORT_KEYS = {
    "name": ("name_key", "VARCHAR(120)", "''", ""),
    "price": ("price_cents", "BIGINT", "0", 0),
}

# ---------------------------------------------------------------------------------- both


def _create_marks_tables() -> None:
    for sort, (key, sql_type, _lowest, _low) in _SORT_KEYS.items():
        op.execute(
            f"CREATE TABLE catalogue_{sort}_marks ("
            "category VARCHAR(16) NOT NULL, "
            f"{key} {sql_type} NOT NULL, "
            "item_id INTEGER NOT NULL, "
            "n INTEGER NOT NULL, "
            f"PRIMARY KEY (category, {key}, item_id))"
        )
    op.execute(
        "CREATE TABLE catalogue_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "version BIGINT NOT NULL)"
    )
    # A random start: a database made again at the same address never repeats a version that
    # a running process may have cached counts for.
    start = (
        "abs(random() % 1000000000000)"
        if op.get_bind().dialect.name == "sqlite"
        else "floor(random() * 1000000000000)::bigint"
    )
    op.execute(f"INSERT INTO catalogue_version (id, version) SELECT 1, {start}")


def _fill_marks() -> None:
    """The first marks for the products already there: every MARK_ROWS-th product a bound."""
    connection = op.get_bind()
    active = "1" if connection.dialect.name == "sqlite" else "true"
    for sort, (key, _sql_type, _lowest, low) in _SORT_KEYS.items():
        rows = connection.exec_driver_sql(
            f"SELECT category, {key}, id FROM items WHERE is_active = {active} ORDER BY {key}, id"
        ).all()
        ordered: dict[str, list[tuple[object, int]]] = {"": []}
        for category, value, item_id in rows:
            ordered[""].append((value, item_id))
            ordered.setdefault(category, []).append((value, item_id))
        marks = []
        for category, keys in ordered.items():
            for start in range(0, max(len(keys), 1), MARK_ROWS):
                value, item_id = keys[start] if start else (low, 0)
                n = len(keys[start : start + MARK_ROWS])
                marks.append({"category": category, "key": value, "item_id": item_id, "n": n})
        connection.execute(
            sa.text(
                f"INSERT INTO catalogue_{sort}_marks (category, {key}, item_id, n) "
                "VALUES (:category, :key, :item_id, :n)"
            ),
            marks,
        )


# How many active products of each category have each short piece of name (SQLite: one or two
# letters; PostgreSQL: up to three).
_PIECE_COUNTS = (
    "CREATE TABLE catalogue_piece_counts (piece TEXT NOT NULL, category VARCHAR(16) NOT NULL, "
    "n INTEGER NOT NULL, PRIMARY KEY (piece, category))"
)

# ---------------------------------------------------------------------------------- SQLite


def _sqlite_pieces(row: str) -> str:
    """SQL for the one- and two-letter pieces of row.name_key, as hex words, plus the category."""
    return (
        "coalesce((SELECT group_concat(piece, ' ') FROM ("
        f"SELECT hex(substr({row}.name_key, start, 1)) AS piece FROM catalogue_spans "
        f"WHERE width = 1 AND start <= length({row}.name_key) UNION "
        f"SELECT hex(substr({row}.name_key, start, 2)) FROM catalogue_spans "
        f"WHERE width = 2 AND start < length({row}.name_key))), '') "
        f"|| ' c' || {row}.category"
    )


def _sqlite_piece_list(row: str) -> str:
    """SQL for the distinct one- and two-letter pieces of row.name_key."""
    return (
        f"SELECT substr({row}.name_key, start, 1) AS piece FROM catalogue_spans "
        f"WHERE width = 1 AND start <= length({row}.name_key) UNION "
        f"SELECT substr({row}.name_key, start, 2) FROM catalogue_spans "
        f"WHERE width = 2 AND start < length({row}.name_key)"
    )


def _sqlite_counts_change(row: str, delta: str, when: str) -> str:
    if delta == "+":
        return (
            "INSERT INTO catalogue_piece_counts (piece, category, n) "
            f"SELECT piece, {row}.category, 1 FROM ({_sqlite_piece_list(row)}) WHERE {when} "
            "ON CONFLICT (piece, category) DO UPDATE SET n = n + 1"
        )
    return (
        f"UPDATE catalogue_piece_counts SET n = n - 1 WHERE {when} "
        f"AND category = {row}.category AND piece IN ({_sqlite_piece_list(row)})"
    )


def _sqlite_search_add(row: str, when: str, source: str = "") -> list[str]:
    return [
        "INSERT INTO items_search (rowid, name_key) "
        f"SELECT {row}.id, {row}.name_key {source} WHERE {when}",
        f"INSERT INTO items_grams (rowid, grams) SELECT {row}.id, {_sqlite_pieces(row)} "
        f"{source} WHERE {when}",
    ]


def _sqlite_search_remove(row: str, when: str) -> list[str]:
    # Contentless tables forget a row given exactly the values it was added with.
    return [
        "INSERT INTO items_search (items_search, rowid, name_key) "
        f"SELECT 'delete', {row}.id, {row}.name_key WHERE {when}",
        f"INSERT INTO items_grams (items_grams, rowid, grams) "
        f"SELECT 'delete', {row}.id, {_sqlite_pieces(row)} WHERE {when}",
    ]


def _sqlite_marks_change(row: str, delta: str, when: str) -> list[str]:
    statements = []
    for sort, (key, _sql_type, lowest, _low) in _SORT_KEYS.items():
        table = f"catalogue_{sort}_marks"
        for category in ("''", f"{row}.category"):
            statements += [
                f"INSERT OR IGNORE INTO {table} (category, {key}, item_id, n) "
                f"SELECT {category}, {lowest}, 0, 0 WHERE {when}",
                f"UPDATE {table} SET n = n {delta} 1 WHERE {when} AND rowid = ("
                f"SELECT rowid FROM {table} WHERE category = {category} "
                f"AND ({key}, item_id) <= ({row}.{key}, {row}.id) "
                f"ORDER BY category DESC, {key} DESC, item_id DESC LIMIT 1)",
            ]
    return statements


def _sqlite_split_triggers() -> list[str]:
    """A mark holding MARK_SPLIT products becomes two: its lower half and from its middle on."""
    triggers = []
    for sort, (key, _sql_type, _lowest, _low) in _SORT_KEYS.items():
        table = f"catalogue_{sort}_marks"
        for scope, category_filter in (("all", ""), ("category", "AND category = NEW.category ")):
            when = "NEW.category = ''" if scope == "all" else "NEW.category <> ''"
            triggers.append(
                f"CREATE TRIGGER {table}_split_{scope} AFTER UPDATE OF n ON {table} "
                f"WHEN NEW.n >= {MARK_SPLIT} AND {when} BEGIN "
                f"INSERT INTO {table} (category, {key}, item_id, n) "
                f"SELECT NEW.category, {key}, id, NEW.n - NEW.n / 2 FROM items "
                f"WHERE is_active = 1 {category_filter}"
                f"AND ({key}, id) >= (NEW.{key}, NEW.item_id) "
                f"ORDER BY {key}, id LIMIT 1 OFFSET NEW.n / 2; "
                f"UPDATE {table} SET n = NEW.n / 2 WHERE rowid = NEW.rowid; END"
            )
    return triggers


def _sqlite_add(row: str) -> list[str]:
    """Statements adding `row` to the search indexes, piece counts and marks if it is active."""
    when = f"{row}.is_active"
    return [
        *_sqlite_search_add(row, when),
        _sqlite_counts_change(row, "+", when),
        *_sqlite_marks_change(row, "+", when),
    ]


def _sqlite_remove(row: str) -> list[str]:
    """Statements taking `row` out of all of them again, if it was active."""
    when = f"{row}.is_active"
    return [
        *_sqlite_search_remove(row, when),
        _sqlite_counts_change(row, "-", when),
        *_sqlite_marks_change(row, "-", when),
    ]


def _sqlite_trigger(name: str, event: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON items BEGIN {'; '.join(statements)}; END"


_WATCHED = "UPDATE OF name_key, category, is_active, price_cents"
_BUMP = "UPDATE catalogue_version SET version = version + 1"


def _sqlite_upgrade() -> None:
    for trigger in ("items_search_au", "items_search_ad", "items_search_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS items_search")
    op.execute(
        "CREATE VIRTUAL TABLE items_search USING fts5("
        "name_key, content='', tokenize='trigram case_sensitive 1')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE items_grams USING fts5("
        "grams, content='', detail='none', tokenize='ascii')"
    )
    op.execute(
        "CREATE TABLE catalogue_spans (width INTEGER NOT NULL, start INTEGER NOT NULL, "
        "PRIMARY KEY (width, start)) WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO catalogue_spans (width, start) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < {MAX_NAME_CHARS}) SELECT w.width, n.i FROM n, "
        "(SELECT 1 AS width UNION ALL SELECT 2) AS w"
    )
    for statement in _sqlite_search_add("items", "items.is_active", "FROM items"):
        op.execute(statement)
    for table in ("items_search", "items_grams"):  # one segment each: faster to search
        op.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    _create_marks_tables()
    _fill_marks()
    op.execute(_PIECE_COUNTS.replace("TEXT NOT NULL", "TEXT NOT NULL COLLATE BINARY"))
    op.execute(
        "INSERT INTO catalogue_piece_counts (piece, category, n) "
        "SELECT piece, category, count(DISTINCT id) FROM ("
        "SELECT i.id, i.category, substr(i.name_key, s.start, s.width) AS piece "
        "FROM items i JOIN catalogue_spans s "
        "ON s.width IN (1, 2) AND s.start <= length(i.name_key) - s.width + 1 "
        "WHERE i.is_active) GROUP BY piece, category"
    )
    op.execute(_sqlite_trigger("items_search_ai", "INSERT", [*_sqlite_add("NEW"), _BUMP]))
    op.execute(_sqlite_trigger("items_search_ad", "DELETE", [*_sqlite_remove("OLD"), _BUMP]))
    op.execute(
        _sqlite_trigger(
            "items_search_au", _WATCHED, [*_sqlite_remove("OLD"), *_sqlite_add("NEW"), _BUMP]
        )
    )
    for trigger in _sqlite_split_triggers():
        op.execute(trigger)


_SQLITE_0003 = [
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


def _sqlite_downgrade() -> None:
    for trigger in ("items_search_au", "items_search_ad", "items_search_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in (
        "items_search",
        "items_grams",
        "catalogue_spans",
        "catalogue_version",
        "catalogue_piece_counts",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for sort in _SORT_KEYS:
        op.execute(f"DROP TABLE IF EXISTS catalogue_{sort}_marks")  # its triggers go with it
    for statement in _SQLITE_0003:
        op.execute(statement)


# ---------------------------------------------------------------------------------- PostgreSQL

# Every distinct one-, two- and three-letter piece of the name, and 'c:' + the category.
_PG_PIECES = """
CREATE FUNCTION catalogue_pieces(name_key text, category text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(name_key, start, width)), '{}') || ('c:' || category)
  FROM generate_series(1, 3) AS width, generate_series(1, length(name_key) - width + 1) AS start
$$
"""


# One statement's changes to active products: -1 for a row as it was, +1 as it is now.
_PG_CHANGE_TYPE = (
    "CREATE TYPE catalogue_change AS "
    "(name_key text, price_cents bigint, id integer, category text, d integer)"
)


def _pg_apply_marks(sort: str) -> str:
    """A function that moves the statement's changes into the marks, then splits full ones."""
    key, _sql_type, lowest, _low = _SORT_KEYS[sort]
    table = f"catalogue_{sort}_marks"
    split = (
        f"INSERT INTO {table} (category, {key}, item_id, n) "
        f"SELECT m.category, i.{key}, i.id, m.n - m.n / 2 FROM items i "
        f"WHERE i.is_active {{category}}AND (i.{key}, i.id) >= (m.{key}, m.item_id) "
        f"ORDER BY i.{key}, i.id OFFSET m.n / 2 LIMIT 1;"
    )
    return f"""
CREATE FUNCTION catalogue_apply_{sort}_marks(changes catalogue_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  m {table}%ROWTYPE;
BEGIN
  INSERT INTO {table} (category, {key}, item_id, n)
  SELECT DISTINCT s.category, {lowest}, 0, 0
  FROM unnest(changes) c, LATERAL (VALUES (''), (c.category)) AS s(category)
  ON CONFLICT DO NOTHING;
  UPDATE {table} t SET n = t.n + x.d
  FROM (
    SELECT found.category, found.{key}, found.item_id, sum(c.d) AS d
    FROM unnest(changes) c
    CROSS JOIN LATERAL (VALUES (''), (c.category)) AS s(category)
    CROSS JOIN LATERAL (
      SELECT category, {key}, item_id FROM {table}
      WHERE category = s.category AND ({key}, item_id) <= (c.{key}, c.id)
      ORDER BY {key} DESC, item_id DESC LIMIT 1
    ) found
    GROUP BY 1, 2, 3
  ) x
  WHERE t.category = x.category AND t.{key} = x.{key} AND t.item_id = x.item_id;
  LOOP  -- a mark holding MARK_SPLIT products or more becomes two, until none does
    SELECT * INTO m FROM {table} WHERE n >= {MARK_SPLIT} LIMIT 1;
    EXIT WHEN NOT FOUND;
    IF m.category = '' THEN
      {split.format(category="")}
    ELSE
      {split.format(category="AND i.category = m.category ")}
    END IF;
    UPDATE {table} SET n = m.n / 2
    WHERE category = m.category AND {key} = m.{key} AND item_id = m.item_id;
  END LOOP;
END
$$
"""


# The count of a term longer than three letters: the products with each of its three-letter
# pieces, read through the GIN index only (the planner would rather compute the pieces of every
# name: about 50 us each), then checked with the LIKE.
_PG_SEARCH_COUNT = """
CREATE FUNCTION catalogue_search_count(pieces text[], pattern text) RETURNS bigint
LANGUAGE sql STABLE
SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off SET jit = off
AS $$
  SELECT count(*) FROM items
  WHERE is_active AND catalogue_pieces(name_key, category) @> pieces
    AND name_key LIKE pattern ESCAPE '\\'
$$
"""

_PG_APPLY_PIECES = """
CREATE FUNCTION catalogue_apply_piece_counts(changes catalogue_change[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO catalogue_piece_counts (piece, category, n)
  SELECT p.piece, c.category, sum(c.d)
  FROM unnest(changes) c, unnest(catalogue_pieces(c.name_key, c.category)) AS p(piece)
  WHERE length(p.piece) <= 3
  GROUP BY 1, 2
  ON CONFLICT (piece, category) DO UPDATE SET n = catalogue_piece_counts.n + excluded.n
$$
"""

_PG_FIELDS = "{t}.name_key, {t}.price_cents, {t}.id, {t}.category"
_PG_CHANGED = (
    "(o.name_key, o.price_cents, o.category, o.is_active) "
    "IS DISTINCT FROM (n.name_key, n.price_cents, n.category, n.is_active)"
)
_PG_ITEMS_CHANGED = f"""
CREATE FUNCTION catalogue_items_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changes catalogue_change[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(ROW({_PG_FIELDS.format(t="n")}, 1)::catalogue_change) INTO changes
    FROM new_rows n WHERE n.is_active;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(ROW({_PG_FIELDS.format(t="o")}, -1)::catalogue_change) INTO changes
    FROM old_rows o WHERE o.is_active;
  ELSE
    SELECT array_agg(c) INTO changes FROM (
      SELECT ROW({_PG_FIELDS.format(t="o")}, -1)::catalogue_change AS c
      FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.is_active AND {_PG_CHANGED}
      UNION ALL
      SELECT ROW({_PG_FIELDS.format(t="n")}, 1)::catalogue_change
      FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.is_active AND {_PG_CHANGED}
    ) AS both_sides;
  END IF;
  IF changes IS NULL THEN  -- e.g. a sale's stock update
    RETURN NULL;
  END IF;
  -- Writers of the marks take turns: a split is then never missed by a concurrent count.
  PERFORM pg_advisory_xact_lock({PG_MARKS_LOCK});
  PERFORM catalogue_apply_name_marks(changes);
  PERFORM catalogue_apply_price_marks(changes);
  PERFORM catalogue_apply_piece_counts(changes);
  {_BUMP};
  RETURN NULL;
END
$$
"""
# Statement triggers (with the rows each statement changed), so that a bulk load updates each
# mark once; row triggers would update the same rows thousands of times in one transaction.
_PG_TRIGGERS = [
    "CREATE TRIGGER catalogue_items_inserted AFTER INSERT ON items "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_items_changed()",
    "CREATE TRIGGER catalogue_items_deleted AFTER DELETE ON items "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_items_changed()",
    # Transition tables allow no column list: every UPDATE fires it, most change nothing here.
    "CREATE TRIGGER catalogue_items_updated AFTER UPDATE ON items "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_items_changed()",
]


def _pg_upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_items_name_trgm")
    op.execute(_PG_PIECES)
    op.execute(
        "CREATE INDEX ix_items_pieces ON items USING gin (catalogue_pieces(name_key, category))"
    )
    _create_marks_tables()
    _fill_marks()
    op.execute(_PIECE_COUNTS)
    op.execute(
        "INSERT INTO catalogue_piece_counts (piece, category, n) "
        "SELECT p.piece, i.category, count(*) "
        "FROM items i, unnest(catalogue_pieces(i.name_key, i.category)) AS p(piece) "
        "WHERE i.is_active AND length(p.piece) <= 3 GROUP BY 1, 2"
    )
    op.execute(_PG_CHANGE_TYPE)
    for sort in _SORT_KEYS:
        op.execute(_pg_apply_marks(sort))
    op.execute(_PG_APPLY_PIECES)
    op.execute(_PG_SEARCH_COUNT)
    op.execute(_PG_ITEMS_CHANGED)
    for trigger in _PG_TRIGGERS:
        op.execute(trigger)


def _pg_downgrade() -> None:
    for trigger in ("inserted", "deleted", "updated"):
        op.execute(f"DROP TRIGGER IF EXISTS catalogue_items_{trigger} ON items")
    op.execute("DROP FUNCTION IF EXISTS catalogue_items_changed()")
    op.execute("DROP FUNCTION IF EXISTS catalogue_apply_piece_counts")
    op.execute("DROP FUNCTION IF EXISTS catalogue_search_count")
    for sort in _SORT_KEYS:
        op.execute(f"DROP FUNCTION IF EXISTS catalogue_apply_{sort}_marks")
        op.execute(f"DROP TABLE IF EXISTS catalogue_{sort}_marks")
    op.execute("DROP TYPE IF EXISTS catalogue_change")
    for table in ("catalogue_piece_counts", "catalogue_version"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP INDEX IF EXISTS ix_items_pieces")
    op.execute("DROP FUNCTION IF EXISTS catalogue_pieces")
    op.execute("CREATE INDEX ix_items_name_trgm ON items USING gin (name_key gin_trgm_ops)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_downgrade()
    else:
        _pg_downgrade()
