"""The catalogue's view lives in its address: `load` reads it, every change records it.

A bookmark or a shared link (`/?q=gold&category=bond&sort=price&page=2`) must open the same
view; each change pushes a new address (so Back undoes it) and paging returns to the top.
"""

from __future__ import annotations

import uuid

from reflex.event import EventSpec

from fintech_ui.services.catalogue import PAGE_SIZE
from fintech_ui.state.catalogue import CatalogueState


def script_of(spec: object) -> str:
    """The JavaScript of a call_script event."""
    assert isinstance(spec, EventSpec), spec
    args = {name._js_expr: getattr(value, "_var_value", None) for name, value in spec.args}
    return str(args["javascript_code"])


def tagged_products(shop, count: int, category: str = "bond") -> str:
    tag = "u" + uuid.uuid4().hex[:12]
    for n in range(count):
        shop.insert_item(f"{tag} item {n:03d}", category=category, price_cents=100 + n)
    return tag


def test_load_opens_the_view_the_address_names(make_state, handle, shop):
    tag = tagged_products(shop, PAGE_SIZE + 1)
    state = make_state(CatalogueState, url=f"/?q={tag}&category=bond&sort=price_desc&page=2")
    handle(state, CatalogueState.load)
    assert (state.search, state.category, state.sort, state.page) == (tag, "bond", "price_desc", 2)
    assert [p.name for p in state.products] == [f"{tag} item 000"]  # the cheapest, last
    assert state.error == ""


def test_load_with_a_mistyped_address_shows_the_whole_catalogue_and_says_why(make_state, handle):
    state = make_state(CatalogueState, url="/?category=cryptos&page=abc")
    handle(state, CatalogueState.load)
    assert (state.search, state.category, state.sort, state.page) == ("", "", "name", 1)
    assert state.error == "Unknown category."


def test_a_page_number_that_is_not_ascii_digits_is_refused(make_state, handle):
    state = make_state(CatalogueState, url="/?page=%D9%A1%D9%A2")  # Arabic-Indic "12"
    handle(state, CatalogueState.load)
    assert state.page == 1
    assert state.error != ""


def test_search_records_the_query_in_a_new_history_entry(make_state, handle, shop):
    tag = tagged_products(shop, 1)
    state = make_state(CatalogueState, url="/")
    script = script_of(handle(state, CatalogueState.search_for, value=tag))
    assert f'"/?q={tag}"' in script
    assert "pushState" in script
    assert "scrollTo" not in script


def test_category_and_sort_join_the_query_in_the_address(make_state, handle, shop):
    tag = tagged_products(shop, 1)
    state = make_state(CatalogueState, url=f"/?q={tag}")
    handle(state, CatalogueState.load)
    handle(state, CatalogueState.choose_category, value="bond")
    script = script_of(handle(state, CatalogueState.choose_sort, value="price"))
    assert f'"/?q={tag}&category=bond&sort=price"' in script


def test_paging_records_the_page_and_scrolls_to_the_top(make_state, handle, shop):
    tag = tagged_products(shop, PAGE_SIZE + 1)
    state = make_state(CatalogueState, url=f"/?q={tag}")
    handle(state, CatalogueState.load)
    script = script_of(handle(state, CatalogueState.next_page))
    assert f'"/?q={tag}&page=2"' in script
    assert "scrollTo" in script
    script = script_of(handle(state, CatalogueState.previous_page))
    assert f'"/?q={tag}"' in script


def test_a_refused_value_changes_neither_the_view_nor_the_address(make_state, handle):
    state = make_state(CatalogueState, url="/")
    handle(state, CatalogueState.load)
    assert handle(state, CatalogueState.choose_category, value="<script>") is None
    assert state.category == ""


def test_the_search_text_is_escaped_in_the_address_and_the_script(make_state, handle):
    state = make_state(CatalogueState, url="/")
    script = script_of(handle(state, CatalogueState.search_for, value="a&b='\"</script>"))
    assert '"/?q=a%26b%3D%27%22%3C%2Fscript%3E"' in script
