"""The whole purchase with the keyboard alone: Tab to move, Enter or Space to act, typing in fields.

register → catalogue → add two products → cart → checkout → orders → the order. After every
Tab the focused element must show it: an outline or a box-shadow that is not 'none'.
The money comes from a deposit straight into the ledger (the deposit form is a form like the
others; the point here is the purchase).
"""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"
GOLD = "Gold (1 gram)"
SILVER = "Silver (1 ounce)"
MAX_TABS = 80

_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.id
                || el.tagName).trim().replace(/\\s+/g, ' ');
  return {name, tag: el.tagName, visible: Boolean(outline || shadow)};
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(_FOCUS)


def tab_to_element(page: Page, locator) -> None:
    """Tab until `locator` has focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        current = focused(page)
        if current is not None:
            assert current["visible"], f"focus not visible on {current}"
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} not reached within {MAX_TABS} Tabs")


def test_a_new_investor_buys_with_the_keyboard_alone(
    page, goto_live, frontend_url, demo_catalogue, fund_user
):
    username = f"keys_{secrets.token_hex(4)}"
    goto_live(page, f"{frontend_url}/register")
    form = page.locator("form")

    tab_to_element(page, form.get_by_label("Username", exact=True))
    page.keyboard.type(username)
    tab_to_element(page, form.get_by_label("Password", exact=True))
    page.keyboard.type(PASSWORD)
    tab_to_element(page, form.get_by_label("Confirm password", exact=True))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("^" + re.escape(frontend_url) + "/?$"))
    account = page.get_by_role("link", name=f"Account, {username}", exact=True)
    expect(account).to_be_visible()
    fund_user(_user_id(username), 100_000)

    tab_to_element(page, page.get_by_label("Search products", exact=True))
    page.keyboard.type("gold")
    gold = page.get_by_role("button", name=f"Add {GOLD} to cart", exact=True)
    expect(page.get_by_role("button", name=f"Add {SILVER} to cart", exact=True)).to_have_count(0)
    tab_to_element(page, gold)
    page.keyboard.press("Enter")
    cart = page.get_by_role("navigation").locator("a[href='/cart']")
    expect(cart).to_have_accessible_name("Cart, 1 item")
    page.keyboard.press("Space")  # a button acts on Space too: a second unit
    expect(cart).to_have_accessible_name("Cart, 2 items")

    tab_to_element(page, cart)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cart/?$"))
    expect(page.get_by_label(f"Quantity of {GOLD}", exact=True)).to_have_text("2")

    checkout = page.get_by_role("button", name="Checkout", exact=True)
    tab_to_element(page, checkout)
    page.keyboard.press("Enter")
    status = page.locator("main").get_by_role("status").filter(has_text="placed")
    expect(status).to_be_focused()  # not <body>: the Checkout button went with the lines
    order_id = re.search(r"Order #(\d+)", status.inner_text()).group(1)

    tab_to_element(page, status.get_by_role("link", name="See your orders"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/?$"))
    order = page.get_by_role("link", name=f"Order #{order_id}", exact=True)
    tab_to_element(page, order)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/orders/{order_id}/?$"))
    expect(page.get_by_role("heading", name=f"Order #{order_id}", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{GOLD}")


def _user_id(username: str) -> int:
    """The new account's id, to fund it (the services' own lookup, not the page)."""
    from sqlmodel import select

    from fintech_ui.db import session_scope
    from fintech_ui.models import User

    deadline = time.monotonic() + 10
    while True:
        with session_scope(read_only=True) as db:
            user_id = db.exec(select(User.id).where(User.username == username)).first()
        if user_id is not None or time.monotonic() > deadline:
            assert user_id is not None
            return user_id
        time.sleep(0.1)
