"""The catalogue's search, category, sort and page live in its address.

A shared link opens the same view; each change is a new history entry, so Back undoes it;
paging starts the new page at its top.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

GOLD = "Gold (1 gram)"
SILVER = "Silver (1 ounce)"
BITCOIN = "Bitcoin (0.001 BTC)"  # on the first page of the whole catalogue, by name
TREASURY = "US Treasury 10-Year Note"


def address(frontend_url: str, query: str = "") -> re.Pattern[str]:
    """The catalogue's URL with exactly this query string (the server may add a slash)."""
    return re.compile("^" + re.escape(frontend_url) + "/?" + re.escape(query) + "$")


def add_button(page: Page, name: str):
    return page.get_by_role("button", name=f"Add {name} to cart", exact=True)


def test_a_shared_link_opens_the_same_view(page, goto_live, frontend_url, demo_catalogue):
    goto_live(page, f"{frontend_url}/?q=gold&category=commodity&sort=price_desc")
    expect(page.get_by_label("Search products", exact=True)).to_have_value("gold")
    expect(page.get_by_role("combobox", name="Category")).to_have_text("Commodities")
    expect(page.get_by_role("combobox", name="Sort by")).to_have_text("Price: high to low")
    expect(add_button(page, GOLD)).to_be_visible()
    expect(add_button(page, SILVER)).to_have_count(0)


def test_each_change_is_in_the_address_and_back_undoes_it(
    page, goto_live, frontend_url, demo_catalogue
):
    goto_live(page, f"{frontend_url}/")
    page.get_by_role("combobox", name="Category").click()
    page.get_by_role("option", name="Bonds", exact=True).click()
    expect(page).to_have_url(address(frontend_url, "?category=bond"))
    page.get_by_label("Search products", exact=True).fill("treasury")
    expect(page).to_have_url(address(frontend_url, "?q=treasury&category=bond"))
    expect(add_button(page, TREASURY)).to_be_visible()

    page.go_back()
    expect(page).to_have_url(address(frontend_url, "?category=bond"))
    expect(page.get_by_label("Search products", exact=True)).to_have_value("")
    expect(page.get_by_role("combobox", name="Category")).to_have_text("Bonds")
    expect(add_button(page, BITCOIN)).to_have_count(0)
    count = page.locator("main").get_by_role("status").first
    bonds_only = count.inner_text()

    page.go_back()
    expect(page).to_have_url(address(frontend_url))
    expect(page.get_by_role("combobox", name="Category")).to_have_text("All categories")
    # Every category again: more products than the bonds alone (page 1 depends on what
    # other tests added to the shared catalogue, the count does not shrink).
    expect(count).not_to_have_text(bonds_only)

    page.go_forward()
    expect(page).to_have_url(address(frontend_url, "?category=bond"))
    expect(page.get_by_role("combobox", name="Category")).to_have_text("Bonds")


def test_paging_is_in_the_address_and_starts_at_the_top(
    page, goto_live, frontend_url, demo_catalogue
):
    page.set_viewport_size({"width": 390, "height": 844})
    goto_live(page, f"{frontend_url}/")
    expect(page.get_by_text(re.compile(r"^Page 1 of \d+$"))).to_be_visible()
    next_button = page.get_by_role("button", name="Next", exact=True)
    next_button.scroll_into_view_if_needed()
    assert page.evaluate("scrollY") > 500
    next_button.click()
    expect(page).to_have_url(address(frontend_url, "?page=2"))
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()
    page.wait_for_function("scrollY === 0")

    page.go_back()
    expect(page).to_have_url(address(frontend_url))
    expect(page.get_by_text(re.compile(r"^Page 1 of \d+$"))).to_be_visible()
