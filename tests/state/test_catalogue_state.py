"""CatalogueState's handlers, called directly with whatever JSON a browser could send.

Search, category, sort and paging are browser-callable by name with any value. A value that is
not one the page offers must be refused with a message and leave the shown results as they were;
valid values must filter and order in the database, with `%` and `_` matching themselves.

The test database is shared, so every test names its products with a fresh tag and searches
for that tag first: the results then hold only that test's products.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fintech_ui.services.catalogue import MAX_SEARCH_CHARS, PAGE_SIZE
from fintech_ui.state.catalogue import CatalogueState

SEARCH_ERROR = f"Search for at most {MAX_SEARCH_CHARS} characters."
CATEGORY_ERROR = "Unknown category."
SORT_ERROR = "Unknown sort order."


def new_tag() -> str:
    """A word no other test's product names contain."""
    return "q" + uuid.uuid4().hex[:12]


def shown(state: CatalogueState) -> dict[str, Any]:
    """Everything the catalogue page displays about the current query."""
    return {
        "search": state.search,
        "category": state.category,
        "sort": state.sort,
        "page": state.page,
        "pages": state.pages,
        "total": state.total,
        "products": [product.id for product in state.products],
    }


def names(state: CatalogueState) -> list[str]:
    return [product.name for product in state.products]


@pytest.fixture
def catalogue(make_state, handle, shop) -> Callable[..., tuple[str, CatalogueState]]:
    """`catalogue()`: (tag, state) after searching for four fresh products named with the tag.

    "<tag> Alpha Fund" $50.00, "<tag> Beta Bond" $15.00, "<tag> Gamma Stock" $99.00 and
    "<tag> Delta Bond" $3.00.
    """

    def make() -> tuple[str, CatalogueState]:
        tag = new_tag()
        for name, category, price in [
            ("Alpha Fund", "fund", 5_000),
            ("Beta Bond", "bond", 1_500),
            ("Gamma Stock", "stock", 9_900),
            ("Delta Bond", "bond", 300),
        ]:
            shop.insert_item(f"{tag} {name}", category=category, price_cents=price)
        state = make_state(CatalogueState, url="/")
        handle(state, CatalogueState.search_for, value=tag)
        return tag, state

    return make


# --------------------------------------------------------------- hostile values

HOSTILE_VALUES: dict[str, tuple[Any, Any, str]] = {
    "search None": (CatalogueState.search_for, None, SEARCH_ERROR),
    "search int": (CatalogueState.search_for, 5, SEARCH_ERROR),
    "search bool": (CatalogueState.search_for, True, SEARCH_ERROR),
    "search list": (CatalogueState.search_for, [], SEARCH_ERROR),
    "search dict": (CatalogueState.search_for, {"$ne": ""}, SEARCH_ERROR),
    "search 101 chars": (CatalogueState.search_for, "x" * 101, SEARCH_ERROR),
    "search 1000 chars": (CatalogueState.search_for, "x" * 1000, SEARCH_ERROR),
    "search 1M chars": (CatalogueState.search_for, "x" * 1_000_000, SEARCH_ERROR),
    "category None": (CatalogueState.choose_category, None, CATEGORY_ERROR),
    "category int": (CatalogueState.choose_category, 5, CATEGORY_ERROR),
    "category list": (CatalogueState.choose_category, [], CATEGORY_ERROR),
    "category list of a real one": (CatalogueState.choose_category, ["bond"], CATEGORY_ERROR),
    "category dict": (CatalogueState.choose_category, {}, CATEGORY_ERROR),
    "category unknown": (CatalogueState.choose_category, "weapons", CATEGORY_ERROR),
    "category other case": (CatalogueState.choose_category, "BOND", CATEGORY_ERROR),
    "category sql": (CatalogueState.choose_category, "bond' OR '1'='1", CATEGORY_ERROR),
    "category 1000 chars": (CatalogueState.choose_category, "x" * 1000, CATEGORY_ERROR),
    "sort None": (CatalogueState.choose_sort, None, SORT_ERROR),
    "sort int": (CatalogueState.choose_sort, 5, SORT_ERROR),
    "sort list": (CatalogueState.choose_sort, [], SORT_ERROR),
    "sort sql": (CatalogueState.choose_sort, "price; drop table items", SORT_ERROR),
    "sort column name": (CatalogueState.choose_sort, "price_cents", SORT_ERROR),
    "sort with direction": (CatalogueState.choose_sort, "name desc", SORT_ERROR),
    "sort 1000 chars": (CatalogueState.choose_sort, "x" * 1000, SORT_ERROR),
}


@pytest.mark.parametrize(
    ("handler", "value", "message"), HOSTILE_VALUES.values(), ids=HOSTILE_VALUES
)
def test_hostile_value_sets_the_matching_error(catalogue, handle, handler, value, message):
    _tag, state = catalogue()
    handle(state, handler, value=value)
    assert state.error == message


@pytest.mark.parametrize(
    ("handler", "value", "message"), HOSTILE_VALUES.values(), ids=HOSTILE_VALUES
)
def test_hostile_value_leaves_the_results_unchanged(catalogue, handle, handler, value, message):
    _tag, state = catalogue()
    before = shown(state)
    handle(state, handler, value=value)
    assert shown(state) == before


@pytest.mark.parametrize(
    "handler",
    [CatalogueState.search_for, CatalogueState.choose_category, CatalogueState.choose_sort],
)
def test_extra_argument_raises_type_error_at_the_call(catalogue, handle, handler):
    _tag, state = catalogue()
    with pytest.raises(TypeError):
        handle(state, handler, value="name", page=99)


def test_valid_value_after_a_refusal_clears_the_error(catalogue, handle):
    _tag, state = catalogue()
    handle(state, CatalogueState.choose_sort, value="price; drop table items")
    handle(state, CatalogueState.choose_sort, value="price")
    assert state.error == ""


# ----------------------------------------------------------------- valid filters


def test_search_finds_exactly_the_tagged_products(catalogue):
    tag, state = catalogue()
    assert sorted(names(state)) == sorted(
        f"{tag} {name}" for name in ("Alpha Fund", "Beta Bond", "Gamma Stock", "Delta Bond")
    )


def test_search_counts_the_matches(catalogue):
    _tag, state = catalogue()
    assert state.total == 4


def test_search_ignores_case(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.search_for, value=f"{tag} BETA")
    assert names(state) == [f"{tag} Beta Bond"]


def test_search_ignores_surrounding_spaces(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.search_for, value=f"  {tag} gamma  ")
    assert names(state) == [f"{tag} Gamma Stock"]


def test_search_of_exactly_the_maximum_length_is_accepted(catalogue, handle):
    _tag, state = catalogue()
    handle(state, CatalogueState.search_for, value="x" * MAX_SEARCH_CHARS)
    assert state.error == ""


def test_search_hides_inactive_products(catalogue, handle, shop):
    tag, state = catalogue()
    shop.insert_item(f"{tag} Withdrawn Fund", active=False)
    handle(state, CatalogueState.search_for, value=f"{tag} withdrawn")
    assert state.total == 0


def test_category_shows_only_that_category(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.choose_category, value="bond")
    assert sorted(names(state)) == [f"{tag} Beta Bond", f"{tag} Delta Bond"]


def test_category_all_shows_every_category(catalogue, handle):
    _tag, state = catalogue()
    handle(state, CatalogueState.choose_category, value="bond")
    handle(state, CatalogueState.choose_category, value="all")
    assert (state.category, state.total) == ("", 4)


def test_category_keeps_the_search(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.choose_category, value="stock")
    assert state.search == tag


def test_default_sort_is_by_name(catalogue):
    tag, state = catalogue()
    assert names(state) == [
        f"{tag} {name}" for name in ("Alpha Fund", "Beta Bond", "Delta Bond", "Gamma Stock")
    ]


def test_sort_by_price_orders_cheapest_first(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.choose_sort, value="price")
    assert names(state) == [
        f"{tag} {name}" for name in ("Delta Bond", "Beta Bond", "Alpha Fund", "Gamma Stock")
    ]


def test_sort_by_price_desc_orders_dearest_first(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.choose_sort, value="price_desc")
    assert names(state) == [
        f"{tag} {name}" for name in ("Gamma Stock", "Alpha Fund", "Beta Bond", "Delta Bond")
    ]


def test_product_price_is_formatted_from_cents(catalogue, handle):
    tag, state = catalogue()
    handle(state, CatalogueState.search_for, value=f"{tag} beta")
    assert [product.price for product in state.products] == ["$15.00"]


# ------------------------------------------------------------ LIKE metacharacters


@pytest.mark.parametrize(
    ("wanted", "lookalike", "query"),
    [
        ("100% Growth", "1000 Growth", "100%"),
        ("Plain_Fund", "PlainXFund", "plain_fund"),
        ("Back\\slash", "Backslash", "back\\slash"),
    ],
    ids=["percent", "underscore", "backslash"],
)
def test_search_matches_like_metacharacters_literally(
    make_state, handle, shop, wanted, lookalike, query
):
    tag = new_tag()
    shop.insert_item(f"{tag} {wanted}")
    shop.insert_item(f"{tag} {lookalike}")
    state = make_state(CatalogueState, url="/")
    handle(state, CatalogueState.search_for, value=f"{tag} {query}")
    assert names(state) == [f"{tag} {wanted}"]


def test_search_for_a_lone_percent_sign_finds_only_names_containing_one(make_state, handle, shop):
    tag = new_tag()
    shop.insert_item(f"{tag} 5% Bond")
    state = make_state(CatalogueState, url="/")
    handle(state, CatalogueState.search_for, value="%")
    assert {"%" in name for name in names(state)} == {True}


# ------------------------------------------------------------------------- paging


@pytest.fixture
def two_pages(make_state, handle, shop) -> Callable[[], CatalogueState]:
    """`two_pages()`: a state searching for PAGE_SIZE + 1 fresh products (two pages)."""

    def make() -> CatalogueState:
        tag = new_tag()
        for n in range(PAGE_SIZE + 1):
            shop.insert_item(f"{tag} Product {n:02d}")
        state = make_state(CatalogueState, url="/")
        handle(state, CatalogueState.search_for, value=tag)
        return state

    return make


def test_search_over_a_page_counts_two_pages(two_pages):
    state = two_pages()
    assert (state.page, state.pages, len(state.products)) == (1, 2, PAGE_SIZE)


def test_next_page_shows_the_second_page(two_pages, handle):
    state = two_pages()
    handle(state, CatalogueState.next_page)
    assert (state.page, len(state.products)) == (2, 1)


def test_next_page_on_the_last_page_stays_there(two_pages, handle):
    state = two_pages()
    handle(state, CatalogueState.next_page)
    handle(state, CatalogueState.next_page)
    assert (state.page, len(state.products)) == (2, 1)


def test_previous_page_goes_back_to_the_first_page(two_pages, handle):
    state = two_pages()
    handle(state, CatalogueState.next_page)
    handle(state, CatalogueState.previous_page)
    assert (state.page, len(state.products)) == (1, PAGE_SIZE)


def test_previous_page_on_the_first_page_stays_there(two_pages, handle):
    state = two_pages()
    handle(state, CatalogueState.previous_page)
    assert (state.page, len(state.products)) == (1, PAGE_SIZE)


def test_pages_do_not_overlap(two_pages, handle):
    state = two_pages()
    first = {product.id for product in state.products}
    handle(state, CatalogueState.next_page)
    assert first.isdisjoint(product.id for product in state.products)


def test_next_page_continues_after_the_last_product_shown(make_state, handle, shop):
    # The page remembers where it ends: a product added before that point since does not
    # push the last product shown onto the next page a second time.
    tag = new_tag()
    ids = [shop.insert_item(f"{tag} Product {n:02d}").id for n in range(PAGE_SIZE + 1)]
    state = make_state(CatalogueState, url="/")
    handle(state, CatalogueState.search_for, value=tag)
    shop.insert_item(f"{tag} Product 00 again")
    handle(state, CatalogueState.next_page)
    assert (state.page, state.pages, state.total) == (2, 2, PAGE_SIZE + 2)
    assert [product.id for product in state.products] == ids[PAGE_SIZE:]


def test_changing_the_search_returns_to_the_first_page(two_pages, handle):
    state = two_pages()
    handle(state, CatalogueState.next_page)
    handle(state, CatalogueState.choose_sort, value="price")
    assert state.page == 1


@pytest.mark.parametrize("handler", [CatalogueState.next_page, CatalogueState.previous_page])
def test_paging_with_an_argument_raises_type_error_at_the_call(two_pages, handle, handler):
    state = two_pages()
    with pytest.raises(TypeError):
        handle(state, handler, page=10**9)


def test_live_refresh_keeps_the_search_typed_since_the_page_loaded(catalogue, handle):
    # The search lives in pushState entries the router never saw (the router still says "/"):
    # a live update re-reads the view on screen with the new price, not the page's address.
    import asyncio

    from fintech_ui.db import session_scope
    from fintech_ui.models import Item

    tag, state = catalogue()
    handle(state, CatalogueState.choose_sort, value="price")
    before = shown(state)
    assert (state.sort, state.error, state.total) == ("price", "", 4)
    with session_scope() as db:
        item = db.get(Item, state.products[0].id)
        item.price_cents = 400
    asyncio.run(state._refresh_in_place())
    assert shown(state) == before and state.search == tag
    assert state.products[0].price == "$4.00"
