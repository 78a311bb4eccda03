"""Searches answered from the substring indexes (migration 0007), on SQLite and PostgreSQL:
for terms of any length, one and two letters included, the products, their order, the pages
and the count must be exactly those of a `LIKE '%term%'` scan; cached counts must follow every
change of the catalogue."""

from __future__ import annotations

import random

import factories
import pytest
from service_helpers import expected, served, shown
from sqlalchemy import delete, update
from sqlmodel import col

from fintech_ui.models import CATEGORIES, Item
from fintech_ui.services import catalogue
from fintech_ui.services.seeding import seed_synthetic

SORTS = ("name", "price", "price_desc")

NAMES = (
    "Alpha Growth Fund",
    "alpha income bond",
    "Beta Shares",
    "ALPHABET Token",
    "100% Equity",
    "1000 Equity",
    "Gold_Tracker",
    "GoldXTracker",
    "Back\\slash Fund",
    "Café Crème",
    "ÉTÉ Fund",
    'Quote "Q" Fund',
    "Ab",
    "x",
    "Zz Top Bond",
    "Straße Shares",
)
SHORT_TERMS = [
    *("a", "e", "l", "t", "q", "z", "x", "ß", "é", "É", "0", "9", "%", "_", "\\", '"', "-"),
    *("al", "ph", "nd", "00", "0%", "d_", "k\\", "fé", "aß", 'q"', "zz", "ab", "qz", "xq"),
]
LONG_TERMS = ["alpha", "pha", "und", "fund", "d_t", "100%", "k\\s", "afé c", 'e "q" f', "zz top"]


@pytest.fixture
def named(scope) -> None:
    """The names above plus 300 generated ones, in every category, a few inactive."""
    rng = random.Random(7)
    with scope() as db:
        ids = [factories.item(db, name, category=rng.choice(CATEGORIES)).id for name in NAMES]
        for n in range(300):
            words = rng.sample(["Alpha", "Beta", "Gold", "Fund", "Bond", "Token", "Ab", "zq"], 2)
            price = rng.choice([100, 200, 300]) + n % 7
            name = f"{words[0]} {words[1]} {n:03d}"
            item = factories.item(db, name, category=rng.choice(CATEGORIES), price_cents=price)
            ids.append(item.id)
        db.exec(update(Item).where(col(Item.id).in_(ids[3::17])).values(is_active=False))


@pytest.fixture(params=["walk", "index"])
def plan(request, monkeypatch) -> str:
    """Each way of finding a page: along the sort order, or from the index's candidates."""
    monkeypatch.setattr(catalogue, "CANDIDATE_COST", 10**9 if request.param == "walk" else 0)
    return request.param


def check_search(scope, term: str) -> None:
    for sort in SORTS:
        for category in ("", "fund"):
            params = {"search": term, "sort": sort, "category": category, "per_page": 10}
            first = expected(scope, **params)
            for page in range(1, first[3] + 2):
                assert shown(served(scope, **params, page=page)) == expected(
                    scope, **params, page=page
                ), (params, page)


def test_one_or_two_letters_find_what_like_finds(scope, named, plan):
    for term in SHORT_TERMS:
        check_search(scope, term)


def test_longer_terms_find_what_like_finds(scope, named, plan):
    for term in LONG_TERMS:
        check_search(scope, term)


def test_common_single_letters_find_many_products(scope, named):
    # The checks above would pass with an index that finds nothing at all.
    assert served(scope, search="a").total > 100
    assert served(scope, search="ab").total > 20


def test_cursors_page_through_a_search(scope, named):
    result = served(scope, search="a", sort="price_desc", per_page=10)
    seen = [item.id for item in result.items]
    while result.next_cursor:
        result = served(
            scope, search="a", sort="price_desc", per_page=10, cursor=result.next_cursor
        )
        assert shown(result) == expected(
            scope, search="a", sort="price_desc", per_page=10, page=result.page
        )
        seen += [item.id for item in result.items]
    assert len(seen) == len(set(seen)) == result.total


# --- cached counts follow the catalogue ----------------------------------------------------


@pytest.mark.parametrize("term", ["q", "qw", "qwe", "qwerty"])
def test_count_follows_added_renamed_moved_retired_and_deleted_products(scope, term):
    def count(category: str = "") -> int:
        return served(scope, search=term, category=category).total

    with scope() as db:
        first = factories.item(db, "Qwerty One", category="fund").id
    assert (count(), count("fund"), count("bond")) == (1, 1, 0)
    with scope() as db:
        second = factories.item(db, "Two qwerty", category="bond").id
    assert (count(), count("fund"), count("bond")) == (2, 1, 1)
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == second).values(category="fund"))
    assert (count(), count("fund"), count("bond")) == (2, 2, 0)
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == first).values(name_key="renamed"))
    assert (count(), count("fund")) == (1, 1)
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == second).values(is_active=False))
    assert count() == 0
    with scope() as db:
        db.exec(update(Item).where(col(Item.id) == second).values(is_active=True))
    assert count() == 1
    with scope() as db:
        db.exec(delete(Item).where(col(Item.id) == second))
    assert count() == 0


def test_a_bulk_loaded_catalogue_searches_like_the_plain_scan(scope):
    # seed_synthetic compacts the full-text indexes at the end (SQLite): still exact after.
    with scope() as db:
        assert seed_synthetic(db, 600, now=factories.T0) == 600
    for term in ("a", "er", "und", "summit", "0001", "zz"):
        for sort in SORTS:
            params = {"search": term, "sort": sort, "page": 2}
            assert shown(served(scope, **params)) == expected(scope, **params), params
