"""One cart, two doors: what the JSON API puts in a cart is what the browser shows, and back.

The account is made and filled through the API exactly as a client of the old Flask service
would: register with form fields, log in with HTTP Basic, then send the token in
`x-access-tokens`. Then the same person logs in on the web page.
"""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from e2e_helpers import goto_live
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"
BITCOIN = "Bitcoin (0.001 BTC)"
ETHER = "Ether (0.01 ETH)"


def dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def quantity_of(page: Page, name: str) -> Locator:
    return page.get_by_label(f"Quantity of {name}", exact=True)


def cart_link(page: Page) -> Locator:
    """The top bar's cart link, named with the unit count ("Cart, 3 items")."""
    return page.get_by_role("navigation").locator("a[href='/cart']")


@pytest.fixture
def api(api_url: str):
    with httpx.Client(base_url=api_url, timeout=20) as client:
        yield client


def api_token(api: httpx.Client, username: str) -> str:
    registered = api.post("/register", data={"username": username, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    logged_in = api.post("/login", auth=(username, PASSWORD))
    assert logged_in.status_code == 200, logged_in.text
    return logged_in.json()["token"]


def test_cart_filled_through_the_api_is_the_one_the_browser_shows(
    page: Page, frontend_url: str, api: httpx.Client, product
) -> None:
    bitcoin, ether = product(BITCOIN), product(ETHER)
    username = f"api_{secrets.token_hex(4)}"
    headers = {"x-access-tokens": api_token(api, username)}

    found = api.get("/items", params={"search": "bitcoin"}).json()["items"]
    assert [item["id"] for item in found if item["name"] == BITCOIN] == [bitcoin.id]
    added = api.post("/cart/items", json={"item_id": bitcoin.id, "quantity": 3}, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json()["count"] == 3

    goto_live(page, f"{frontend_url}/login?next=%2Fcart")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(re.escape(frontend_url) + r"/cart/?$"))
    expect(page.get_by_role("link", name=f"Account, {username}", exact=True)).to_have_text(username)
    rows = page.get_by_role("list", name="Products in your cart").get_by_role("listitem")
    expect(rows).to_have_count(1)
    expect(quantity_of(page, BITCOIN)).to_have_text("3")
    expect(rows.first).to_contain_text(dollars(3 * bitcoin.price_cents))
    expect(cart_link(page)).to_have_accessible_name("Cart, 3 items")
    expect(page.locator("main").get_by_text(re.compile(r"^Total: "))).to_have_text(
        f"Total: {dollars(3 * bitcoin.price_cents)}"
    )

    # The other way round: the browser's change is what the API reports ...
    page.get_by_role("button", name=f"Increase quantity of {BITCOIN}", exact=True).click()
    expect(quantity_of(page, BITCOIN)).to_have_text("4")
    cart = api.get("/cart", headers=headers).json()
    assert [(line["item_id"], line["quantity"]) for line in cart["items"]] == [(bitcoin.id, 4)]

    # ... and a line the API adds while the page is open appears on the next load.
    added = api.post("/cart/items", json={"item_id": ether.id}, headers=headers)
    assert added.status_code == 201, added.text
    goto_live(page, f"{frontend_url}/cart")
    expect(rows).to_have_count(2)
    expect(quantity_of(page, ETHER)).to_have_text("1")
    expect(cart_link(page)).to_have_accessible_name("Cart, 5 items")
    expect(page.locator("main").get_by_text(re.compile(r"^Total: "))).to_have_text(
        f"Total: {dollars(4 * bitcoin.price_cents + ether.price_cents)}"
    )
