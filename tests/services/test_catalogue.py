"""The catalogue on SQLite and PostgreSQL: demo data, search, filters, sorting and pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from fintech_ui.models import CATEGORIES, Item
from fintech_ui.services.catalogue import (
    MAX_PAGE,
    MAX_SEARCH_CHARS,
    PAGE_SIZE,
    CatalogueError,
    CatalogueQuery,
    get_active_item,
    make_query,
    search_items,
)
from fintech_ui.services.seeding import seed_demo


def _search(scope, **params):
    with scope(read_only=True) as db:
        return search_items(db, make_query(**params))


def _names(scope, **params) -> list[str]:
    return [item.name for item in _search(scope, **params).items]


def _ids(scope, **params) -> list[int]:
    return [item.id for item in _search(scope, **params).items]


# --- demo data -------------------------------------------------------------------------


def test_seed_demo_adds_products_in_every_category(scope):
    with scope() as db:
        added = seed_demo(db)
    with scope(read_only=True) as db:
        total = db.exec(select(func.count()).select_from(Item)).one()
        categories = set(db.exec(select(Item.category).distinct()).all())
    assert added >= 24
    assert total == added
    assert categories == set(CATEGORIES)


def test_seed_demo_is_idempotent(scope):
    with scope() as db:
        seed_demo(db)
    with scope() as db:
        again = seed_demo(db)
    with scope(read_only=True) as db:
        skus = db.exec(select(Item.sku)).all()
    assert again == 0
    assert len(skus) == len(set(skus))


def test_seed_demo_products_are_listed_and_searchable(scope):
    with scope() as db:
        added = seed_demo(db)
    page = _search(scope, per_page=100)
    assert page.total == added
    first = page.items[0]
    assert first.name in _names(scope, search=first.name.upper(), per_page=100)


# --- search ----------------------------------------------------------------------------


@pytest.fixture
def named(make_item):
    for name in ["Alpha Growth Fund", "alpha income bond", "Beta Shares", "ALPHABET Token"]:
        make_item(name)


@pytest.mark.parametrize("text", ["alpha", "ALPHA", "Alpha", "aLpHa", "  alpha  "])
def test_search_ignores_case(scope, named, text):
    assert sorted(_names(scope, search=text)) == [
        "ALPHABET Token",
        "Alpha Growth Fund",
        "alpha income bond",
    ]


def test_search_matches_inside_names(scope, named):
    assert _names(scope, search="shar") == ["Beta Shares"]


def test_search_without_match_is_an_empty_first_page(scope, named):
    page = _search(scope, search="zzz")
    assert (page.items, page.total, page.page, page.pages) == ([], 0, 1, 1)


@pytest.fixture
def wildcards(make_item):
    for name in [
        "100% Equity",
        "1000 Equity",
        "Gold_Tracker",
        "GoldXTracker",
        "Back\\slash Fund",
        "Backslash Fund",
    ]:
        make_item(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["100% Equity"]),
        ("0%", ["100% Equity"]),
        ("100%", ["100% Equity"]),
        ("_", ["Gold_Tracker"]),
        ("d_t", ["Gold_Tracker"]),
        ("\\", ["Back\\slash Fund"]),
        ("k\\s", ["Back\\slash Fund"]),
    ],
)
def test_search_wildcard_characters_match_literally(scope, wildcards, text, expected):
    assert _names(scope, search=text) == expected


# --- category --------------------------------------------------------------------------


def test_category_filter_returns_only_that_category(scope, make_item):
    for number, category in enumerate(CATEGORIES * 2):
        make_item(f"Product {number:02d}", category=category)
    for category in CATEGORIES:
        page = _search(scope, category=category)
        assert page.total == 2
        assert {item.category for item in page.items} == {category}


def test_category_and_search_combine(scope, make_item):
    make_item("Green Fund", category="fund")
    make_item("Green Bond", category="bond")
    make_item("Blue Bond", category="bond")
    assert _names(scope, search="green", category="bond") == ["Green Bond"]


def test_empty_category_means_all(scope, make_item):
    make_item("A", category="fund")
    make_item("B", category="crypto")
    assert _search(scope, category="").total == 2


# --- sorting ---------------------------------------------------------------------------


@pytest.fixture
def priced(make_item) -> dict[str, int]:
    """Names and prices with ties in both, created in an order unlike any sort."""
    ids = {}
    for name, price in [
        ("delta", 300),
        ("Alpha", 200),
        ("charlie", 200),
        ("bravo", 100),
        ("alpha", 300),
        ("echo", 200),
    ]:
        ids[f"{name}/{price}"] = make_item(name, price_cents=price)
    return ids


def test_sort_by_name_ignores_case_and_breaks_ties_by_id(scope, priced):
    assert _ids(scope, sort="name") == [
        priced["Alpha/200"],
        priced["alpha/300"],
        priced["bravo/100"],
        priced["charlie/200"],
        priced["delta/300"],
        priced["echo/200"],
    ]


def test_sort_by_price_breaks_ties_by_id(scope, priced):
    assert _ids(scope, sort="price") == [
        priced["bravo/100"],
        priced["Alpha/200"],
        priced["charlie/200"],
        priced["echo/200"],
        priced["delta/300"],
        priced["alpha/300"],
    ]


def test_sort_by_price_desc_is_exactly_the_reverse_of_price(scope, priced):
    assert _ids(scope, sort="price_desc") == list(reversed(_ids(scope, sort="price")))


@pytest.mark.parametrize("sort", ["name", "price", "price_desc"])
def test_sort_ties_are_stable_across_pages(scope, make_item, sort):
    ids = [make_item("Same Name", price_cents=500) for _ in range(7)]
    pages = [_ids(scope, sort=sort, per_page=3, page=n) for n in (1, 2, 3)]
    seen = [item_id for page in pages for item_id in page]
    assert sorted(seen) == ids  # every product once, none twice
    assert seen == _ids(scope, sort=sort, per_page=100)


# --- pages -----------------------------------------------------------------------------


@pytest.fixture
def thirty(make_item) -> list[int]:
    return [make_item(f"Product {n:02d}") for n in range(30)]


def test_first_page_holds_page_size_products(scope, thirty):
    page = _search(scope)
    assert (len(page.items), page.total, page.page, page.pages) == (PAGE_SIZE, 30, 1, 3)


def test_pages_cover_every_product_once(scope, thirty):
    seen = [item_id for n in (1, 2, 3) for item_id in _ids(scope, page=n)]
    assert seen == thirty


def test_last_page_holds_the_rest(scope, thirty):
    page = _search(scope, page=3)
    assert (len(page.items), page.page) == (30 - 2 * PAGE_SIZE, 3)


@pytest.mark.parametrize("requested", [4, 99, MAX_PAGE])
def test_page_past_the_end_is_clamped_to_the_last(scope, thirty, requested):
    page = _search(scope, page=requested)
    assert page.page == 3
    assert [item.id for item in page.items] == thirty[2 * PAGE_SIZE :]


def test_custom_page_size(scope, thirty):
    page = _search(scope, per_page=7, page=5)
    assert (page.pages, page.page, len(page.items)) == (5, 5, 2)


def test_exactly_full_pages(scope, make_item):
    for n in range(PAGE_SIZE * 2):
        make_item(f"P{n:02d}")
    page = _search(scope, page=3)
    assert (page.pages, page.page, len(page.items)) == (2, 2, PAGE_SIZE)


# --- make_query ------------------------------------------------------------------------


def test_make_query_defaults():
    assert make_query() == CatalogueQuery(search="", category="", sort="name", page=1)


def test_make_query_strips_search():
    assert make_query(search="  gold ").search == "gold"


def test_make_query_accepts_the_longest_search():
    assert make_query(search="x" * MAX_SEARCH_CHARS).search == "x" * MAX_SEARCH_CHARS


@pytest.mark.parametrize("page", [1, 2, MAX_PAGE])
def test_make_query_accepts_pages(page):
    assert make_query(page=page).page == page


@pytest.mark.parametrize(
    "params",
    [
        {"page": "2"},
        {"page": True},
        {"page": False},
        {"page": 1.5},
        {"page": 2.0},
        {"page": 0},
        {"page": -1},
        {"page": None},
        {"page": MAX_PAGE + 1},
        {"page": 10**30},
        {"per_page": 0},
        {"per_page": 101},
        {"per_page": "12"},
        {"per_page": True},
        {"category": "stocks"},
        {"category": "Fund"},
        {"category": None},
        {"category": ["fund"]},
        {"sort": "price_asc"},
        {"sort": "id"},
        {"sort": ""},
        {"sort": None},
        {"search": "x" * (MAX_SEARCH_CHARS + 1)},
        {"search": None},
        {"search": 42},
        {"search": ["gold"]},
    ],
    ids=repr,
)
def test_make_query_refuses_bad_parameters(params):
    with pytest.raises(CatalogueError):
        make_query(**params)


@pytest.mark.parametrize("search", ["\x00", "gold\x00", "\t", "a\r\nb", "\x1b[31m", "\x7f", "\x85"])
def test_make_query_refuses_control_characters_with_a_message(search):
    with pytest.raises(CatalogueError, match="Search must not contain control characters"):
        make_query(search=search)


def test_nul_search_is_refused_on_every_backend(scope, make_item):
    make_item("Gold Fund")
    with pytest.raises(CatalogueError, match="control characters"):
        _search(scope, search="\x00")


# --- inactive products -----------------------------------------------------------------


@pytest.fixture
def with_inactive(make_item) -> dict[str, int]:
    return {
        "on": make_item("Hidden Gem Active", category="stock", price_cents=100),
        "off": make_item("Hidden Gem Retired", category="stock", price_cents=50, active=False),
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"search": "hidden"},
        {"search": "retired"},
        {"category": "stock"},
        {"sort": "price"},
        {"sort": "price_desc"},
        {"per_page": 1, "page": 2},
    ],
    ids=repr,
)
def test_inactive_products_are_never_listed_or_counted(scope, with_inactive, params):
    page = _search(scope, **params)
    assert with_inactive["off"] not in [item.id for item in page.items]
    assert page.total == (0 if params.get("search") == "retired" else 1)


def test_get_active_item(scope, with_inactive):
    with scope(read_only=True) as db:
        assert get_active_item(db, with_inactive["on"]).name == "Hidden Gem Active"
        assert get_active_item(db, with_inactive["off"]) is None
        assert get_active_item(db, 999_999) is None
        assert get_active_item(db, str(with_inactive["on"])) is None
        assert get_active_item(db, True) is None
        assert get_active_item(db, 2**31) is None
