"""Browsing the catalogue: search, filter, sort and pages, done by the database.

Every request is answered from indexes (migration 0007), at any page and for any search:

* Pages without a search seek to a page mark (a bound every few hundred products with the exact
  number of products up to the next one) and skip at most a mark's worth of index entries;
  the number of products is the sum of the marks. A caller that holds the previous page's
  boundary passes a cursor instead and seeks straight to it (keyset pagination).
* Searches count their matches exactly from indexes: a table of counts per short piece of
  name (one or two letters on SQLite, up to three on PostgreSQL), then SQLite's FTS5 trigram
  index or PostgreSQL's GIN index over every 1-3-letter piece for longer terms. Counts are
  cached until the catalogue changes (`catalogue_version`). The page comes from
  walking the sort order with the LIKE when matches are dense, or from sorting the index's
  candidates when they are few.

Results are what `WHERE name_key LIKE '%term%' ORDER BY key, id LIMIT … OFFSET …` returns.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlmodel import Session

from fintech_ui.errors import DomainError
from fintech_ui.models import CATEGORIES, Item
from fintech_ui.text import refuse_control_characters

PAGE_SIZE = 12
MAX_SEARCH_CHARS = 100
MAX_PAGE = 100_000
MAX_CURSOR_CHARS = 400
# A candidate from the search index costs about as much as this many entries of a walk along
# the sort order (measured on SQLite and PostgreSQL at 100,000 products): the cheaper plan wins.
CANDIDATE_COST = 15
_CACHE_LIMIT = 4096
# (database, what, category, term) -> (catalogue version, number): exact until the next change.
_COUNT_CACHE: dict[tuple[Any, str, str, str], tuple[int, int]] = {}

# sort -> (its key: "name" for name_key, "price" for price_cents; descending). Ties are broken
# by id in the same direction, so price_desc is exactly price read from the other end.
_ORDERS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "price": ("price", False),
    "price_desc": ("price", True),
}
SORTS = tuple(_ORDERS)


class CatalogueError(DomainError):
    """A catalogue request that cannot be answered; the message is safe to show."""


@dataclass(frozen=True)
class PageCursor:
    """Where the page next to a shown one starts: its number and the shown page's boundary."""

    sort: str
    forward: bool  # True: the page after the boundary; False: the page before it
    page: int
    key: str | int
    item_id: int


@dataclass(frozen=True)
class CatalogueQuery:
    """A validated catalogue request."""

    search: str = ""
    category: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = PAGE_SIZE
    cursor: PageCursor | None = None


@dataclass(frozen=True)
class ItemView:
    """A product on sale, as a shopper sees it."""

    id: int
    sku: str
    name: str
    category: str
    description: str
    price_cents: int
    stock: int
    risk_level: int

    @classmethod
    def of(cls, item: Item) -> ItemView:
        """The view of a stored product."""
        return cls(
            id=item.id or 0,
            sku=item.sku,
            name=item.name,
            category=item.category,
            description=item.description,
            price_cents=item.price_cents,
            stock=item.stock,
            risk_level=item.risk_level,
        )


@dataclass(frozen=True)
class CataloguePage:
    """One page of matching products, how many there are in all, and cursors to its
    neighbours (None at either end)."""

    items: list[ItemView]
    total: int
    page: int
    pages: int
    next_cursor: str | None = None
    previous_cursor: str | None = None


def make_query(
    *,
    search: object = "",
    category: object = "",
    sort: object = "name",
    page: object = 1,
    per_page: object = PAGE_SIZE,
    cursor: object = "",
) -> CatalogueQuery:
    """Check each parameter strictly; CatalogueError names the first one that is wrong.

    A cursor (from a page's next_cursor or previous_cursor) decides the page number."""
    if not isinstance(search, str) or len(search) > MAX_SEARCH_CHARS:
        raise CatalogueError(f"Search for at most {MAX_SEARCH_CHARS} characters.")
    # A NUL is a 500 on PostgreSQL and matches everything on SQLite: refuse, do not strip.
    refuse_control_characters(search, field="Search", error=CatalogueError)
    if not isinstance(category, str) or category not in ("", *CATEGORIES):
        raise CatalogueError("Unknown category.")
    if not isinstance(sort, str) or sort not in _ORDERS:
        raise CatalogueError("Unknown sort order.")
    if type(page) is not int or not 1 <= page <= MAX_PAGE:
        raise CatalogueError("Page must be a whole number from 1.")
    if type(per_page) is not int or not 1 <= per_page <= 100:
        raise CatalogueError("Page size must be a whole number from 1 to 100.")
    if not isinstance(cursor, str):
        raise CatalogueError("That page link is not valid.")
    decoded = _decode_cursor(cursor, sort) if cursor else None
    page = decoded.page if decoded else page
    return CatalogueQuery(search.strip(), category, sort, page, per_page, decoded)


# ------------------------------------------------------------------------------- cursors


def _encode_cursor(sort: str, forward: bool, page: int, key: str | int, item_id: int) -> str:
    payload = json.dumps([sort, int(forward), page, key, item_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> PageCursor:
    """The cursor's contents, each of the exact type it was made with, or CatalogueError."""
    refused = CatalogueError("That page link is not valid.")
    if len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused from None
    if not isinstance(values, list) or len(values) != 5:
        raise refused
    made_for, forward, page, key, item_id = values
    if made_for != sort:
        raise CatalogueError("That page link belongs to another sort order.")
    key_type = str if _ORDERS[sort][0] == "name" else int
    if (
        forward not in (0, 1)
        or type(forward) is not int
        or type(page) is not int
        or not 1 <= page <= MAX_PAGE
        or type(key) is not key_type
        or type(item_id) is not int
        or not 0 <= item_id < 2**31
        or (isinstance(key, int) and not 0 <= key < 2**63)
        or (isinstance(key, str) and (len(key) > 1000 or "\x00" in key))
    ):
        raise refused
    return PageCursor(sort, bool(forward), page, key, item_id)


# ------------------------------------------------------------------------------- statements
# Built once and executed on the session's connection: per request, only parameters change.

_VIEW = "id, sku, name, category, description, price_cents, stock, risk_level, name_key"
_SORT_KEYS = {"name": "name_key", "price": "price_cents"}
_VERSION = text("SELECT version FROM catalogue_version")
_MARKS = {
    sort: text(
        f"SELECT {key}, item_id, n FROM catalogue_{sort}_marks "  # noqa: S608 (fixed names)
        f"WHERE category = :category ORDER BY {key}, item_id"
    )
    for sort, key in _SORT_KEYS.items()
}
_PIECE_COUNT = text(
    "SELECT coalesce(sum(n), 0) FROM catalogue_piece_counts "
    "WHERE piece = :piece AND (category = :category OR :category = '')"
)
_FTS_COUNT = text("SELECT count(*) FROM items_search WHERE items_search MATCH :match")
_CATEGORY_LIKE_COUNT = text(
    "SELECT count(*) FROM items WHERE is_active IS 1 AND category = :category "
    "AND name_key LIKE :pattern ESCAPE '\\'"
)
_PG_SEARCH_COUNT = text("SELECT catalogue_search_count(:pieces, :pattern)")
_IN_INDEX = {
    table: f"id IN (SELECT rowid FROM {table} WHERE {table} MATCH :match)"  # noqa: S608
    for table in ("items_grams", "items_search")
} | {"pieces": "catalogue_pieces(name_key, category) @> :pieces"}


@functools.cache
def _page_statement(
    dialect: str, sort: str, descending: bool, category: bool, seek: str, search: bool, index: str
) -> TextClause:
    """SELECT the view columns (name_key last) of `:limit` products from `:skip` on.

    Plain SQL: the statement is made once per shape; SQLAlchemy would compile each shape the
    first time (milliseconds, at a visitor's first search of a kind). The ids are found first
    and the rows read after (a deferred join): skipped and filtered entries then cost an index
    entry only, not a row, wherever the index holds name_key. Parameters: :category, :key and
    :item_id (the seek's bound), :pattern (the LIKE), and the index's :match or :pieces, as the
    arguments ask for them.
    """
    key = _SORT_KEYS[sort]
    direction = " DESC" if descending else ""
    conditions = ["is_active = " + ("1" if dialect == "sqlite" else "true")]
    if category:
        conditions.append("category = :category")
    if seek:
        conditions.append(f"({key}, id) {seek} (:key, :item_id)")
    if search:
        conditions.append("name_key LIKE :pattern ESCAPE '\\'")
    if index:
        conditions.append(_IN_INDEX[index])
    columns = ", ".join(f"items.{name}" for name in _VIEW.split(", "))
    return text(
        f"SELECT {columns} FROM items JOIN ("  # noqa: S608 (this module's own names)
        f"SELECT id FROM items WHERE {' AND '.join(conditions)} "
        f"ORDER BY {key}{direction}, id{direction} LIMIT :limit OFFSET :skip"
        f") AS page ON items.id = page.id ORDER BY items.{key}{direction}, items.id{direction}"
    )


# ------------------------------------------------------------------------------- counts


def _database(db: Session) -> Any:
    return db.get_bind().engine.url  # hashable; tells apart the databases of one process


def _version(db: Session) -> int:
    """Changes with every insert, delete or change of name, price, category or activity."""
    return db.connection().execute(_VERSION).scalar_one()


def _cached(db: Session, version: int, what: str, category: str, term: str) -> int | None:
    found = _COUNT_CACHE.get((_database(db), what, category, term))
    return found[1] if found is not None and found[0] == version else None


def _remember(db: Session, version: int, what: str, category: str, term: str, n: int) -> int:
    if len(_COUNT_CACHE) >= _CACHE_LIMIT:
        _COUNT_CACHE.clear()
    _COUNT_CACHE[(_database(db), what, category, term)] = (version, n)
    return n


def _marks(db: Session, sort: str, category: str) -> list[tuple[Any, int, int]]:
    """(bound key, bound id, active products from it to the next bound), in sort order."""
    rows = db.connection().execute(_MARKS[sort], {"category": category}).all()
    return [(k, i, n) for k, i, n in rows]


def _scope(db: Session, version: int, category: str) -> int:
    """How many active products the category (or the whole catalogue) holds."""
    cached = _cached(db, version, "scope", category, "")
    if cached is not None:
        return cached
    total = sum(n for _k, _i, n in _marks(db, "name", category))
    return _remember(db, version, "scope", category, "", total)


def _pg_pieces(term: str, category: str) -> list[str]:
    """The GIN index's keys a match must hold: the term itself up to three letters, else each
    of its three-letter pieces; and the category."""
    short = len(term) <= 3
    pieces = {term} if short else {term[i : i + 3] for i in range(len(term) - 2)}
    return sorted(pieces) + ([f"c:{category}"] if category else [])


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _index(db: Session, term: str, category: str) -> tuple[str, dict[str, Any]]:
    """The search index that finds exactly the active products whose names hold `term` (of
    the category too, but for SQLite's trigram index), and its parameter: an FTS5 MATCH on
    SQLite, GIN keys on PostgreSQL. The page statement checks category and LIKE again."""
    if db.get_bind().dialect.name != "sqlite":
        return "pieces", {"pieces": _pg_pieces(term, category)}
    if len(term) <= 2:
        words = [term.encode().hex().upper()] + ([f"c{category}"] if category else [])
        return "items_grams", {"match": " AND ".join(_fts_phrase(word) for word in words)}
    return "items_search", {"match": _fts_phrase(term)}  # the category is checked on the rows


def _like_pattern(term: str) -> str:
    # % and _ typed by the user match themselves, not any character.
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_count(db: Session, version: int, term: str, category: str) -> int:
    """How many active products (of the category) have `term` in their name, exactly."""
    cached = _cached(db, version, "search", category, term)
    if cached is not None:
        return cached
    sqlite = db.get_bind().dialect.name == "sqlite"
    connection = db.connection()
    params: dict[str, Any]
    if len(term) <= (2 if sqlite else 3):  # kept by the catalogue's triggers for each piece
        params = {"piece": term, "category": category}
        total = connection.execute(_PIECE_COUNT, params).scalar_one()
    elif sqlite and not category:
        total = connection.execute(_FTS_COUNT, {"match": _fts_phrase(term)}).scalar_one()
    elif sqlite:  # every product of the category through its name index: a fifth of them all
        params = {"category": category, "pattern": _like_pattern(term)}
        total = connection.execute(_CATEGORY_LIKE_COUNT, params).scalar_one()
    else:  # the products with each three-letter piece, checked with the LIKE
        params = {"pieces": _pg_pieces(term, category), "pattern": _like_pattern(term)}
        total = connection.execute(_PG_SEARCH_COUNT, params).scalar_one()
    return _remember(db, version, "search", category, term, total)


_SCANS = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


@contextmanager
def _index_only_by_bitmap(db: Session) -> Iterator[None]:
    """On PostgreSQL, let the statements inside reach rows only through a bitmap of the pieces
    index.

    The planner prices the index's expression like any other function, so for broad terms it
    picks a scan that computes the pieces of every name (about 50 us each: seconds), although
    the index answers exactly without computing any. The scans are switched back on after
    (they are debugging switches, on in any real configuration); JIT stays off for the rest of
    this read-only transaction, whose statements are all small.
    """
    if db.get_bind().dialect.name == "sqlite":
        yield
        return
    switches = ", ".join(f"set_config('{name}', :value, true)" for name in _SCANS)
    connection = db.connection()
    connection.execute(text(f"SELECT {switches}, set_config('jit', 'off', true)"), {"value": "off"})
    try:
        yield
    finally:
        connection.execute(text(f"SELECT {switches}"), {"value": "on"})


# ------------------------------------------------------------------------------- pages


def _rows(
    db: Session,
    query: CatalogueQuery,
    *,
    descending: bool,
    limit: int,
    skip: int = 0,
    seek: str = "",
    bound: tuple[Any, int] | None = None,
    term: str = "",
    index: tuple[str, dict[str, Any]] | None = None,
) -> list:
    """The products' view columns (name_key last) in the query's sort key, ascending or not."""
    statement = _page_statement(
        db.get_bind().dialect.name,
        _ORDERS[query.sort][0],
        descending,
        bool(query.category),
        seek,
        bool(term),
        index[0] if index else "",
    )
    params: dict[str, Any] = {"limit": limit, "skip": skip, "category": query.category}
    if bound is not None:
        params["key"], params["item_id"] = bound
    if term:
        params["pattern"] = _like_pattern(term)
    if index:
        params.update(index[1])
    return list(db.connection().execute(statement, params).all())


def _by_cursor(db: Session, query: CatalogueQuery, term: str) -> list | None:
    """The page beside the cursor's boundary, or None when it is not a whole page any more."""
    cursor = query.cursor
    assert cursor is not None
    # Forward is further along the page's own order: after the key on an ascending index,
    # before it on a descending one. Rows come nearest the boundary first.
    after = cursor.forward != _ORDERS[query.sort][1]
    rows = _rows(
        db,
        query,
        descending=not after,
        limit=query.per_page,
        seek=">" if after else "<",
        bound=(cursor.key, cursor.item_id),
        term=term,
    )
    if not rows or (not cursor.forward and len(rows) < query.per_page):
        return None  # products were removed since: the page's position decides
    return rows if cursor.forward else rows[::-1]


def _by_marks(db: Session, query: CatalogueQuery, marks, total: int, page: int) -> list:
    """The page at its position: seek to the mark before it, skip the rest of the way."""
    start = (page - 1) * query.per_page
    count = min(query.per_page, total - start)
    descending = _ORDERS[query.sort][1]
    if descending:  # the same products as ascending, counted from the other end
        start = total - start - count
    before, mark = 0, marks[0]
    for mark in marks:
        if before + mark[2] > start:
            break
        before += mark[2]
    rows = _rows(
        db,
        query,
        descending=False,
        limit=count,
        skip=start - before,
        seek=">=",
        bound=(mark[0], mark[1]),
    )
    return rows[::-1] if descending else rows


def _page(query: CatalogueQuery, rows: list, total: int, page: int, pages: int) -> CataloguePage:
    items = [ItemView(*row[:-1]) for row in rows]
    sort_value = (lambda row: row[-1]) if _ORDERS[query.sort][0] == "name" else (lambda row: row[5])
    next_cursor = previous_cursor = None
    if rows and page < pages:
        last = rows[-1]
        next_cursor = _encode_cursor(query.sort, True, page + 1, sort_value(last), last[0])
    if rows and page > 1:
        first = rows[0]
        previous_cursor = _encode_cursor(query.sort, False, page - 1, sort_value(first), first[0])
    return CataloguePage(items, total, page, pages, next_cursor, previous_cursor)


def _browse(db: Session, query: CatalogueQuery) -> CataloguePage:
    marks = _marks(db, _ORDERS[query.sort][0], query.category)
    total = sum(n for _k, _i, n in marks)
    pages = max(1, math.ceil(total / query.per_page))
    page = min(query.page, pages)
    if total == 0:
        return CataloguePage([], 0, 1, 1)
    rows = None
    if query.cursor is not None and query.cursor.page == page:
        rows = _by_cursor(db, query, "")
    if rows is None:
        rows = _by_marks(db, query, marks, total, page)
    return _page(query, rows, total, page, pages)


def _search(db: Session, query: CatalogueQuery) -> CataloguePage:
    term = query.search.lower()
    version = _version(db)
    total = _search_count(db, version, term, query.category)
    pages = max(1, math.ceil(total / query.per_page))
    page = min(query.page, pages)
    if total == 0:
        return CataloguePage([], 0, 1, 1)
    rows = None
    if query.cursor is not None and query.cursor.page == page:
        rows = _by_cursor(db, query, term)
    if rows is None:
        skip = (page - 1) * query.per_page
        # Walking the sort order reads (skip + page) / density entries; the index's
        # candidates cost one sort of them all. Take the cheaper.
        scope = _scope(db, version, query.category)
        walk = (skip + query.per_page) * scope / total
        candidates: float = total
        if len(term) > 2 and query.category and db.get_bind().dialect.name == "sqlite":
            candidates = total * _scope(db, version, "") / scope  # the index knows no category
        index = _index(db, term, query.category) if walk > CANDIDATE_COST * candidates else None
        with _index_only_by_bitmap(db) if index else nullcontext():
            rows = _rows(
                db,
                query,
                descending=_ORDERS[query.sort][1],
                limit=query.per_page,
                skip=skip,
                term=term,
                index=index,
            )
    return _page(query, rows, total, page, pages)


def search_items(db: Session, query: CatalogueQuery) -> CataloguePage:
    """The page of active products matching the query, in the requested order."""
    return _search(db, query) if query.search else _browse(db, query)


def compact_search_indexes(db: Session) -> None:
    """After a bulk load: merge each SQLite full-text index into one segment, which halves the
    time of a search count (FTS5 'optimize'). PostgreSQL's indexes need nothing here."""
    if db.get_bind().dialect.name == "sqlite":
        for table in ("items_search", "items_grams"):
            db.connection().execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))  # noqa: S608


def get_active_item(db: Session, item_id: object) -> Item | None:
    """The product with this id if it exists and is on sale."""
    if type(item_id) is not int or not 0 < item_id < 2**31:
        return None
    item = db.get(Item, item_id)
    return item if item is not None and item.is_active else None
