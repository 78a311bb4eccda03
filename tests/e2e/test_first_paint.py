"""The catalogue paints with the HTML: "/" as served already holds its first page of products.

So the grid is on screen before any script has run, and so before the websocket and the page
state (which then put the live page in its place: tests/state/test_catalogue_first_page_state.py).
Checked with JavaScript off, where only the served HTML and its stylesheets can show anything.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import Item
from fintech_ui.services.catalogue import PAGE_SIZE

pytestmark = pytest.mark.browser

ADD = re.compile(r"^Add (.+) to cart$")


@pytest.fixture
def page_without_scripts(browser):
    """A fresh browser with JavaScript turned off: the page is the HTML the server sent."""
    context = browser.new_context(java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_served_catalogue_shows_its_first_page_of_products(
    page_without_scripts, frontend_url, demo_catalogue
):
    page = page_without_scripts
    page.goto(f"{frontend_url}/")
    main = page.get_by_role("main")

    names = main.get_by_role("heading", level=2).all_inner_texts()
    # The demo catalogue (30 products) was in the database when the app started.
    assert len(names) == PAGE_SIZE
    with session_scope(read_only=True) as db:
        known = {name for name in db.exec(select(Item.name)).all()}
    assert set(names) <= known
    assert names == sorted(names, key=str.lower)  # the default view: by name
    for name in names:
        expect(main.get_by_role("button", name=f"Add {name} to cart", exact=True)).to_have_count(1)
    buttons = main.get_by_role("button", name=ADD).all()
    assert [ADD.match(b.get_attribute("aria-label") or "").group(1) for b in buttons] == names
    expect(main.get_by_text(re.compile(r"^\$[0-9,]+\.[0-9]{2}$"))).to_have_count(PAGE_SIZE)

    # On screen, laid out by the stylesheets alone, with the page's one h1 above it.
    expect(main.get_by_role("heading", level=2, name=names[0], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(main.get_by_text("Connecting…")).to_have_count(0)
