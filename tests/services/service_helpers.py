"""Reads and a race harness shared by the service tests (each takes the `scope` factory)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from fintech_ui.models import Item
from fintech_ui.services.cart import CartOwner, lines
from fintech_ui.services.catalogue import PAGE_SIZE, CataloguePage, make_query, search_items
from fintech_ui.services.ledger import balance_cents

JOIN_SECONDS = 60


def balance(scope, user_id: int) -> int:
    """The user's balance as the database has it."""
    with scope(read_only=True) as db:
        return balance_cents(db, user_id=user_id)


def stock(scope, item_id: int) -> int:
    """A product's units in stock."""
    with scope(read_only=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        return item.stock


def cart(scope, user_id: int) -> dict[int, int]:
    """{item_id: quantity} of the user's cart."""
    with scope(read_only=True) as db:
        return {ln.item_id: ln.quantity for ln in lines(db, CartOwner(user_id=user_id))}


def race(count: int, racer: Callable[[int], Any]) -> list[Any]:
    """Run `racer(0..count-1)` on threads released together by a barrier; what each returned,
    or the exception it raised (the caller sorts refusals from failures)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = racer(index)
        except BaseException as exc:  # handed to the caller with the racer's number
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return results


# --- the catalogue, served and the plain way ---------------------------------------------------


def offset_page(db, *, search="", category="", sort="name", page=1, per_page=PAGE_SIZE):
    """(ids, total, page, pages) the plain way: COUNT(*), then a LIKE scan in ORDER BY key, id
    (descending for price_desc) with LIMIT and OFFSET: what the catalogue must show."""
    conditions = [col(Item.is_active).is_(True)]
    if category:
        conditions.append(col(Item.category) == category)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(col(Item.name_key).like(f"%{escaped}%", escape="\\"))
    total = db.exec(select(func.count()).select_from(Item).where(*conditions)).one()
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    key = col(Item.name_key) if sort == "name" else col(Item.price_cents)
    order = (key.desc(), col(Item.id).desc()) if sort == "price_desc" else (key, col(Item.id))
    statement = select(Item.id).where(*conditions).order_by(*order)
    ids = db.exec(statement.offset((page - 1) * per_page).limit(per_page)).all()
    return list(ids), total, page, pages


def expected(scope, **params) -> tuple[list[int], int, int, int]:
    """offset_page in a transaction of its own."""
    with scope(read_only=True) as db:
        return offset_page(db, **params)


def served(scope, **params) -> CataloguePage:
    """What the catalogue service answers to these request parameters."""
    with scope(read_only=True) as db:
        return search_items(db, make_query(**params))


def shown(result: CataloguePage) -> tuple[list[int], int, int, int]:
    """(ids, total, page, pages) of a served page, to compare with offset_page."""
    return [item.id for item in result.items], result.total, result.page, result.pages
