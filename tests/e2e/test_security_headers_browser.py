"""The app works in the browser under its production Content-Security-Policy (issue 10, 10).

The harness serves pages with the same middleware production wraps the backend in
(tests/e2e/conftest.py); here a visitor registers (a full page load through the cookie
endpoint, started by `rx.call_script`), logs out and logs back in, and the browser reports
no violation of the policy on the way.
"""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"
LIVE_TIMEOUT_S = 20


def _watch_violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def _goto_live(page: Page, url: str) -> None:
    frames: list[str] = []

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_websocket)
    try:
        page.goto(url)
        deadline = time.monotonic() + LIVE_TIMEOUT_S
        while not any('"delta"' in frame for frame in frames):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url}: no state update over the websocket")
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("websocket", on_websocket)


def test_pages_carry_the_security_headers(page: Page, frontend_url: str) -> None:
    response = page.goto(f"{frontend_url}/")
    headers = response.all_headers()
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_register_log_out_and_log_in_under_the_policy(page: Page, frontend_url: str) -> None:
    violations = _watch_violations(page)
    username = f"csp_{secrets.token_hex(4)}"

    _goto_live(page, f"{frontend_url}/register")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name=f"Account, {username}", exact=True)).to_have_text(username)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    _goto_live(page, f"{frontend_url}/login")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=f"Account, {username}", exact=True)).to_have_text(username)

    page.goto(f"{frontend_url}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert violations == []


def test_catalogue_and_cart_work_under_the_policy(
    page: Page, frontend_url: str, demo_catalogue: dict[str, str]
) -> None:
    violations = _watch_violations(page)
    name = next(iter(demo_catalogue))
    _goto_live(page, f"{frontend_url}/")
    page.get_by_label("Search products", exact=True).fill(name)
    page.get_by_role("button", name=f"Add {name} to cart", exact=True).click()
    # The add has landed before the page is left (a navigation would drop a queued event).
    cart = page.get_by_role("navigation").locator("a[href='/cart']")
    expect(cart).to_have_accessible_name("Cart, 1 item")
    page.goto(f"{frontend_url}/cart")
    expect(page.get_by_text(name).first).to_be_visible()
    assert violations == []
