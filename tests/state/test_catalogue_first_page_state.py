"""The catalogue's first page read at start-up: what "/" shows before its state arrives.

`start_with(page)` (called by the app module with `startup.catalogue_first_page()`) makes the
page the default of CatalogueState, so it is compiled into the HTML and the initial state, and
every new tab's state starts from it. `load` must then replace it with the live page: a price
changed since start-up is shown only until the tab's state arrives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from fintech_ui.services.catalogue import CataloguePage, ItemView
from fintech_ui.startup import catalogue_first_page
from fintech_ui.state.catalogue import CatalogueState, start_with


@pytest.fixture
def restore_defaults() -> Iterator[None]:
    """Put the declared defaults back (an empty catalogue), whatever the test started with."""
    yield
    start_with(CataloguePage(items=[], total=0, page=1, pages=1))


def stale(item: ItemView, price_cents: int) -> ItemView:
    """The product as start-up read it, at another price than it has now."""
    return ItemView(
        id=item.id,
        sku=item.sku,
        name=item.name,
        category=item.category,
        description=item.description,
        price_cents=price_cents,
        stock=item.stock,
        risk_level=item.risk_level,
    )


def test_first_page_read_at_start_up_is_the_default_view(make_state, shop, restore_defaults):
    shop.insert_item("A first-page product " + uuid.uuid4().hex[:8])
    first_page = catalogue_first_page()
    assert first_page.items, "the shared test database holds at least this test's product"

    start_with(first_page)

    state = make_state(CatalogueState)  # a new tab's state, before any event
    assert [p.name for p in state.products] == [item.name for item in first_page.items]
    assert (state.total, state.pages, state.page) == (
        first_page.total,
        first_page.pages,
        first_page.page,
    )


def test_load_replaces_the_start_up_page_with_live_prices(
    make_state, handle, shop, restore_defaults
):
    tag = "q" + uuid.uuid4().hex[:12]
    product = shop.insert_item(f"{tag} Fund", price_cents=4_200)
    item = ItemView(
        id=product.id,
        sku=product.sku,
        name=product.name,
        category="fund",
        description="",
        price_cents=4_200,
        stock=product.stock,
        risk_level=3,
    )
    start_with(CataloguePage(items=[stale(item, 1_00)], total=1, page=1, pages=1))

    state = make_state(CatalogueState, url=f"/?q={tag}")
    assert [(p.name, p.price) for p in state.products] == [(product.name, "$1.00")]

    handle(state, CatalogueState.load)

    assert [(p.name, p.price) for p in state.products] == [(product.name, "$42.00")]
    assert (state.total, state.search) == (1, tag)
