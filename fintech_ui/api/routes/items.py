"""The catalogue, open to everyone."""

from __future__ import annotations

from fastapi import APIRouter

from fintech_ui.api import schemas
from fintech_ui.db import run
from fintech_ui.services import catalogue

router = APIRouter(tags=["items"])


@router.get("/items", responses=schemas.errors(422))
async def list_items(
    search: str = "",
    category: str = "",
    sort: str = "name",
    page: int = 1,
    per_page: int = catalogue.PAGE_SIZE,
    cursor: str = "",
) -> schemas.ItemPage:
    """Products on sale: search by name, filter by category, sort by name or price, paged.

    `cursor` (a page's `next_cursor` or `previous_cursor`, with the same search, category and
    sort) asks for the page beside that one and decides the page number."""
    query = catalogue.make_query(
        search=search, category=category, sort=sort, page=page, per_page=per_page, cursor=cursor
    )
    return schemas.item_page(await run(catalogue.search_items, query, read_only=True))
