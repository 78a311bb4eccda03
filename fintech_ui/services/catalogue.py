"""Browsing the catalogue: search, filter, sort and pages, done by the database."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from fintech_ui.models import CATEGORIES, Item

PAGE_SIZE = 12
MAX_SEARCH_CHARS = 100
MAX_PAGE = 100_000
SORTS = {
    "name": (col(Item.name_key).asc(), col(Item.id).asc()),
    "price": (col(Item.price_cents).asc(), col(Item.id).asc()),
    "price_desc": (col(Item.price_cents).desc(), col(Item.id).desc()),
}


class CatalogueError(ValueError):
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
class CataloguePage:
    """One page of matching products and how many there are in all."""

    items: list[Item]
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


def search_items(db: Session, query: CatalogueQuery) -> CataloguePage:
    """The page of active products matching the query, in the requested order."""
    conditions = [col(Item.is_active).is_(True)]
    if query.category:
        conditions.append(col(Item.category) == query.category)
    if query.search:
        conditions.append(col(Item.name_key).like(_like_pattern(query.search), escape="\\"))
    total = db.exec(select(func.count()).select_from(Item).where(*conditions)).one()
    pages = max(1, math.ceil(total / query.per_page))
    page = min(query.page, pages)
    items = db.exec(
        select(Item)
        .where(*conditions)
        .order_by(*SORTS[query.sort])
        .offset((page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    return CataloguePage(items=list(items), total=total, page=page, pages=pages)


def get_active_item(db: Session, item_id: object) -> Item | None:
    """The product with this id if it exists and is on sale."""
    if type(item_id) is not int or not 0 < item_id < 2**31:
        return None
    item = db.get(Item, item_id)
    return item if item is not None and item.is_active else None
