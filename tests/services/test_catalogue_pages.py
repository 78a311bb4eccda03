"""Catalogue pages at any depth, on SQLite and PostgreSQL: the page marks (migration 0007) and
the cursors must give exactly what `ORDER BY key, id LIMIT … OFFSET …` gives, for every sort,
with ties, with a category, at the last page and past it, and after the catalogue changed."""

from __future__ import annotations

import base64
import json
import math
import random

import factories
import pytest
from service_helpers import expected, race, served, shown
from sqlalchemy import delete, update
from sqlmodel import col

from fintech_ui.models import Item
from fintech_ui.services import catalogue
from fintech_ui.services.catalogue import MAX_PAGE, PAGE_SIZE, CatalogueError, make_query

SORTS = ("name", "price", "price_desc")
MARK_SPLIT = 1024  # migration 0007 splits a mark that holds this many products
WORDS = ("Alpha", "beta", "Gamma", "delta", "Echo", "fox", "Golf", "hotel", "India", "juliet")


def add_products(db, count: int, rng: random.Random, *, fund_share: float = 0.85) -> list[int]:
    """Products with many equal names (any case) and prices, in an order unlike any sort."""
    ids = []
    for _ in range(count):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        category = "fund" if rng.random() < fund_share else rng.choice(["bond", "stock"])
        price = rng.choice([100, 250, 999, 1000, 5000, 123456]) + rng.randrange(3)
        ids.append(factories.item(db, name, category=category, price_cents=price).id)
    return ids


@pytest.fixture
def big(scope) -> list[int]:
    """1,300 products: more than a mark holds, in all and in the fund category, so that the
    marks were split while they were added; a few inactive."""
    rng = random.Random(13)
    with scope() as db:
        ids = add_products(db, 1300, rng)
        db.exec(update(Item).where(col(Item.id).in_(ids[::97])).values(is_active=False))
    with scope(read_only=True) as db:
        for sort in ("name", "price"):  # the data spans several marks, as meant
            assert len(catalogue._marks(db, sort, "")) >= 2
            assert len(catalogue._marks(db, sort, "fund")) >= 2
    return ids


def check_every_page(scope, *, sort: str, category: str, per_page: int) -> None:
    """Each page by number, and each page reached by its neighbour's cursor, equals OFFSET."""
    first = expected(scope, sort=sort, category=category, per_page=per_page)
    pages = first[3]
    for page in [*range(1, pages + 1), pages + 1, MAX_PAGE]:
        params = {"sort": sort, "category": category, "per_page": per_page, "page": page}
        assert shown(served(scope, **params)) == expected(scope, **params), params
    result = served(scope, sort=sort, category=category, per_page=per_page)
    while result.next_cursor:  # forward to the last page by cursors ...
        params = {"sort": sort, "category": category, "per_page": per_page}
        result = served(scope, **params, cursor=result.next_cursor)
        assert shown(result) == expected(scope, **params, page=result.page), result.page
    assert result.page == pages
    while result.previous_cursor:  # ... and back to the first
        params = {"sort": sort, "category": category, "per_page": per_page}
        result = served(scope, **params, cursor=result.previous_cursor)
        assert shown(result) == expected(scope, **params, page=result.page), result.page
    assert result.page == 1


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_equals_the_offset_page(scope, big, sort):
    for category in ("", "fund", "bond"):
        check_every_page(scope, sort=sort, category=category, per_page=PAGE_SIZE)
    check_every_page(scope, sort=sort, category="", per_page=100)
    check_every_page(scope, sort=sort, category="fund", per_page=7)


@pytest.mark.parametrize("sort", SORTS)
def test_pages_stay_exact_after_the_catalogue_changes(scope, big, sort):
    rng = random.Random(sort)
    with scope() as db:
        changed = rng.sample(big, 400)
        db.exec(update(Item).where(col(Item.id).in_(changed[:80])).values(is_active=False))
        db.exec(update(Item).where(col(Item.id).in_(big[::97][:5])).values(is_active=True))
        for item_id in changed[80:160]:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} renamed"
            db.exec(
                update(Item).where(col(Item.id) == item_id).values(name=name, name_key=name.lower())
            )
        for item_id in changed[160:240]:
            price = rng.choice([1, 100, 5000, 999_999])
            db.exec(update(Item).where(col(Item.id) == item_id).values(price_cents=price))
        for item_id in changed[240:300]:
            category = rng.choice(["fund", "bond", "crypto"])
            db.exec(update(Item).where(col(Item.id) == item_id).values(category=category))
        db.exec(delete(Item).where(col(Item.id).in_(changed[300:360])))
        add_products(db, MARK_SPLIT, rng)  # enough to split marks again
    for category in ("", "fund", "crypto"):
        check_every_page(scope, sort=sort, category=category, per_page=PAGE_SIZE)


def test_marks_stay_exact_when_writers_race(scope):
    """Products added and retired from several connections at once, splitting marks as they go
    (PostgreSQL runs the writers concurrently; SQLite queues them)."""

    def writer(number: int) -> None:
        rng = random.Random(number)
        for _ in range(15):
            with scope() as db:
                ids = add_products(db, 18, rng, fund_share=0.5)
                db.exec(update(Item).where(col(Item.id) == ids[0]).values(is_active=False))

    assert race(6, writer) == [None] * 6
    for sort in SORTS:
        check_every_page(scope, sort=sort, category="", per_page=100)
        check_every_page(scope, sort=sort, category="fund", per_page=100)


def test_an_empty_category_and_an_empty_catalogue_have_one_empty_page(scope, make_item):
    make_item("Only Fund", category="fund")
    for sort in SORTS:
        assert shown(served(scope, sort=sort, category="bond", page=3)) == ([], 0, 1, 1)
    with scope() as db:
        db.exec(delete(Item))
    assert shown(served(scope, page=5)) == ([], 0, 1, 1)


@pytest.mark.parametrize("sort", SORTS)
def test_equal_keys_are_ordered_by_id_across_marks(scope, sort):
    with scope() as db:
        ids = [factories.item(db, "Same", price_cents=500).id for _ in range(MARK_SPLIT + 30)]
    by_pages = [
        item_id
        for page in range(1, math.ceil(len(ids) / 50) + 1)
        for item_id in shown(served(scope, sort=sort, per_page=50, page=page))[0]
    ]
    assert by_pages == (ids[::-1] if sort == "price_desc" else ids)


# --- cursors -----------------------------------------------------------------------------


@pytest.fixture
def thirty(make_item) -> list[int]:
    return [make_item(f"Product {n:02d}", price_cents=100 + n) for n in range(30)]


def test_first_and_last_pages_have_no_cursor_outward(scope, thirty):
    first = served(scope)
    last = served(scope, page=3)
    assert first.previous_cursor is None and first.next_cursor
    assert last.next_cursor is None and last.previous_cursor


def test_next_cursor_continues_after_the_shown_page_when_products_are_added_before_it(
    scope, thirty, make_item
):
    page_two = served(scope, page=2)
    make_item("Product 00 again")  # sorts before page two: page numbers shift by one
    page_three = served(scope, cursor=page_two.next_cursor)
    assert page_three.page == 3
    assert [item.id for item in page_three.items] == thirty[24:]  # none shown twice
    assert page_three.total == 31


def test_cursor_falls_back_to_the_page_number_when_its_side_is_gone(scope, thirty):
    last = served(scope, page=3)
    with scope() as db:
        db.exec(delete(Item).where(col(Item.id).in_(thirty[:24])))
    again = served(scope, cursor=last.previous_cursor)  # nothing before the boundary now
    assert shown(again) == (thirty[24:], 6, 1, 1)


def test_cursor_page_is_clamped_like_a_page_number(scope, thirty):
    middle = served(scope, page=2)
    with scope() as db:
        db.exec(delete(Item).where(col(Item.id).in_(thirty[12:])))
    assert shown(served(scope, cursor=middle.next_cursor)) == (thirty[:12], 12, 1, 1)


def test_cursor_of_another_sort_is_refused(scope, thirty):
    cursor = served(scope, sort="price").next_cursor
    with pytest.raises(CatalogueError, match="another sort order"):
        make_query(sort="price_desc", cursor=cursor)
    with pytest.raises(CatalogueError, match="another sort order"):
        make_query(sort="name", cursor=cursor)


def encoded(value) -> str:
    """A cursor's text for any JSON value, the way the service writes its own."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "!!!!",
        "é",
        encoded([]),
        encoded({"page": 2}),
        encoded(["name", 1, 2, "a", 1]) + "A" * 400,  # too long
        encoded(["name", 1, 2, "a"]),
        encoded(["name", 2, 2, "a", 1]),  # direction neither 0 nor 1
        encoded(["name", True, 2, "a", 1]),
        encoded(["name", 1, 0, "a", 1]),  # page 0
        encoded(["name", 1, MAX_PAGE + 1, "a", 1]),
        encoded(["name", 1, 2.0, "a", 1]),
        encoded(["name", 1, "2", "a", 1]),
        encoded(["name", 1, 2, 1, 1]),  # a number as a name
        encoded(["name", 1, 2, None, 1]),
        encoded(["name", 1, 2, "a\u0000", 1]),
        encoded(["name", 1, 2, "a", -1]),  # id
        encoded(["name", 1, 2, "a", 2**31]),
        encoded(["name", 1, 2, "a", "1"]),
    ],
)
def test_malformed_cursors_are_refused(cursor):
    with pytest.raises(CatalogueError, match="not valid"):
        make_query(cursor=cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        encoded(["price", 1, 2, "a", 1]),
        encoded(["price", 1, 2, -5, 1]),
        encoded(["price", 1, 2, 2**63, 1]),
    ],
)
def test_malformed_price_cursors_are_refused(cursor):
    with pytest.raises(CatalogueError, match="not valid"):
        make_query(sort="price", cursor=cursor)


@pytest.mark.parametrize("cursor", [None, 3, ["x"], {"page": 2}])
def test_cursor_must_be_text(cursor):
    with pytest.raises(CatalogueError, match="not valid"):
        make_query(cursor=cursor)
