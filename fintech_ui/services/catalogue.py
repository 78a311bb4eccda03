"""Browsing the catalogue: search, filter, sort and pages, done by the database."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, func, text
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import CATEGORIES, Item
from fintech_ui.text import refuse_control_characters

PAGE_SIZE = 12
MAX_SEARCH_CHARS = 100
MAX_PAGE = 100_000
COUNT_CACHE_SECONDS = 10
MAX_CANDIDATES = 2000
CACHE_COUNTS_FROM = 5000
_COUNT_CACHE: dict[tuple[str, str], tuple[float, int]] = {}
SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "name": (col(Item.name_key).asc(), col(Item.id).asc()),
    "price": (col(Item.price_cents).asc(), col(Item.id).asc()),
    "price_desc": (col(Item.price_cents).desc(), col(Item.id).desc()),
}


class CatalogueError(DomainError):
    """A catalogue request that cannot be answered; the message is safe to show."""


@dataclass(frozen=True)
class CatalogueQuery:
    """A validated catalogue request."""

    search: str = ""
    category: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = PAGE_SIZE


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
    """One page of matching products and how many there are in all."""

    items: list[ItemView]
    total: int
    page: int
    pages: int


def make_query(
    *,
    search: object = "",
    category: object = "",
    sort: object = "name",
    page: object = 1,
    per_page: object = PAGE_SIZE,
) -> CatalogueQuery:
    """Check each parameter strictly; CatalogueError names the first one that is wrong."""
    if not isinstance(search, str) or len(search) > MAX_SEARCH_CHARS:
        raise CatalogueError(f"Search for at most {MAX_SEARCH_CHARS} characters.")
    # A NUL is a 500 on PostgreSQL and matches everything on SQLite: refuse, do not strip.
    refuse_control_characters(search, field="Search", error=CatalogueError)
    if not isinstance(category, str) or category not in ("", *CATEGORIES):
        raise CatalogueError("Unknown category.")
    if not isinstance(sort, str) or sort not in SORTS:
        raise CatalogueError("Unknown sort order.")
    if type(page) is not int or not 1 <= page <= MAX_PAGE:
        raise CatalogueError("Page must be a whole number from 1.")
    if type(per_page) is not int or not 1 <= per_page <= 100:
        raise CatalogueError("Page size must be a whole number from 1 to 100.")
    return CatalogueQuery(search.strip(), category, sort, page, per_page)


def _like_pattern(text: str) -> str:
    # % and _ typed by the user match themselves, not any character.
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _trigram_matches(db: Session, query: CatalogueQuery) -> list[int] | None:
    """Ids of the active products matching a SQLite search, or None when a scan is better.

    The LIKE alone reads every row; the trigram index (migration 0003) finds the candidates
    first (it needs three characters). Few candidates are checked here exactly, so the page
    and count queries become primary-key lookups; many candidates mean matches are dense and
    the ordered scan finds a page quickly.
    """
    if db.get_bind().dialect.name != "sqlite" or len(query.search) < 3:
        return None
    phrase = '"' + query.search.lower().replace('"', '""') + '"'
    candidates = db.execute(
        text("SELECT rowid FROM items_search WHERE items_search MATCH :phrase LIMIT :n").bindparams(
            phrase=phrase, n=MAX_CANDIDATES + 1
        )
    ).all()
    if len(candidates) > MAX_CANDIDATES:
        return None
    needle = query.search.lower()
    rows = db.exec(
        select(Item.id, Item.name_key, Item.category, Item.is_active).where(
            col(Item.id).in_([row[0] for row in candidates])
        )
    ).all()
    return [
        item_id
        for item_id, name_key, category, is_active in rows
        if item_id is not None
        and is_active
        and needle in name_key
        and (not query.category or category == query.category)
    ]


def _count(db: Session, query: CatalogueQuery, conditions: list, now: float) -> int:
    # Counting 100,000 rows costs more than reading a page of them. Large counts are kept
    # for a few seconds (a page number briefly off by a few is harmless); small ones, which
    # are cheap, are always exact.
    key = (query.category, query.search)
    cached = _COUNT_CACHE.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    total = db.exec(select(func.count()).select_from(Item).where(*conditions)).one()
    if total >= CACHE_COUNTS_FROM:
        if len(_COUNT_CACHE) >= 1024:
            _COUNT_CACHE.clear()
        _COUNT_CACHE[key] = (now + COUNT_CACHE_SECONDS, total)
    return total


def search_items(db: Session, query: CatalogueQuery) -> CataloguePage:
    """The page of active products matching the query, in the requested order."""
    matches = _trigram_matches(db, query) if query.search else None
    conditions: list[ColumnElement[bool]]
    if matches is not None:
        conditions = [col(Item.id).in_(matches)]
    else:
        conditions = [col(Item.is_active).is_(True)]
        if query.category:
            conditions.append(col(Item.category) == query.category)
        if query.search:
            conditions.append(col(Item.name_key).like(_like_pattern(query.search), escape="\\"))
    total = _count(db, query, conditions, time.monotonic())
    pages = max(1, math.ceil(total / query.per_page))
    page = min(query.page, pages)
    items = db.exec(
        select(Item)
        .where(*conditions)
        .order_by(*SORTS[query.sort])
        .offset((page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    return CataloguePage(
        items=[ItemView.of(item) for item in items], total=total, page=page, pages=pages
    )


def get_active_item(db: Session, item_id: object) -> Item | None:
    """The product with this id if it exists and is on sale."""
    if type(item_id) is not int or not 0 < item_id < 2**31:
        return None
    item = db.get(Item, item_id)
    return item if item is not None and item.is_active else None
