"""Every page, logged in and out, on a phone (390 px, touch) and a desktop (1280 px).

Logged in is an admin who owns Gold (portfolio with holdings, its "Sell" dialog open, each
/admin tab); a second user who owns nothing shows the empty portfolio.

One module-scoped walk visits each page in each of the four set-ups and records what the
tests below check: axe-core's serious and critical violations (axe.min.js injected with
Playwright, pinned in tests/e2e/axe), the number of <h1>, horizontal overflow, and every
interactive control's box (on screen, at least 44×44 px on a touch screen).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from pprint import pformat
from typing import Any

import factories
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from fintech_ui.db import session_scope
from fintech_ui.models import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 20_000
PASSWORD = "Velvet-Harbour-Lantern-73"
GOLD = "Gold (1 gram)"
SILVER = "Silver (1 ounce)"
PAGES = [
    "/",
    "/login",
    "/register",
    "/cart",
    "/account",
    "/account/security",
    "/reset-password?token=not-a-real-reset-token-0123456789",
    "/orders",
    "ORDER",
    "/portfolio",
    "/products/COM-GOLD",
    "/admin",
    "/no-such-page",
]
ADMIN_TABS = ["Users", "Orders", "Audit log", "Analytics"]  # "Products" is /admin's first
SETUPS = ["phone-out", "phone-in", "desktop-out", "desktop-in"]
# With FINTECH_SCREENSHOTS=1 the logged-in phone pages are saved for the README; with
# FINTECH_SCREENSHOT_DIR=<dir> every page of every set-up is saved there, to look at.
README_SHOTS = {"/": "catalogue", "/cart": "cart", "/account": "account", "/orders": "orders"}
SHOTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MIN_TARGET = 43.5  # 44 px, with room for sub-pixel layout

# Every control a user can reach, whatever it is made of.
_BOXES = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], [role=combobox], [role=link], [tabindex]:not([tabindex="-1"])';
  const controls = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // display: none
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const name = (el.getAttribute('aria-label') || el.innerText || el.id || el.tagName)
      .trim().replace(/\\s+/g, ' ').slice(0, 50);
    controls.push({name, left: box.left + scrollX, right: box.right + scrollX,
                   width: box.width, height: box.height});
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth, controls};
}"""


def _settle(page: Page) -> None:
    """The page's content has arrived: an <h1>, and no 'Connecting…' or spinner left."""
    expect(page.locator("h1").first).to_be_visible()
    expect(page.get_by_text("Connecting…")).to_have_count(0)
    expect(page.locator("main .rt-Spinner")).to_have_count(0)
    page.wait_for_timeout(250)


# Wait for the finite animations of the element, its ancestors (a dialog's overlay fades too)
# and its contents; an endless one (a spinner) never finishes and is no fade.
_FADES_DONE = """(el) => Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.target
        && (a.effect.target.contains(el) || el.contains(a.effect.target))
        && a.effect.getComputedTiming().endTime !== Infinity)
    .map((a) => a.finished))"""


def _opened(page: Page, name: str) -> None:
    """The dialog `name` is open and its opening animation is over.

    Radix fades popovers and dialogs in (160-200 ms, from opacity 0); axe measures colours as
    they are at that instant, so a scan started mid-fade reports the half-transparent text as
    low contrast (the phone menu's "Register" at 3.75:1) although the opened menu passes.
    """
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    dialog.evaluate(_FADES_DONE)


def _scan(page: Page, axe_source: str, within: str | None = None) -> dict[str, Any]:
    """Serious and critical axe violations of the page, or only of the element `within`
    names (an open menu: the page behind it, whatever other tests put in the shared
    catalogue, is scanned on its own)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async (within) => (await axe.run(within ? document.querySelector(within) : document,
                {resultTypes: ['violations']})).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3)
                .map((n) => n.target.join(' ')).join(' | '))""",
        within,
    )
    return {
        "violations": result,
        "h1": page.locator("h1").count(),
        "boxes": page.evaluate(_BOXES),
    }


def _shoot(page: Page, setup: str, path: str) -> None:
    folder = os.environ.get("FINTECH_SCREENSHOT_DIR")
    if folder:
        name = re.sub(r"[^a-z0-9]+", "-", f"{setup} {path}".lower()).strip("-")
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    if (
        os.environ.get("FINTECH_SCREENSHOTS") == "1"
        and setup == "phone-in"
        and path in README_SHOTS
    ):
        expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
        page.screenshot(
            path=str(SHOTS_DIR / f"{README_SHOTS[path]}-mobile.png"),
            full_page=path != "/",  # the catalogue's first screen, not all twelve cards
            animations="disabled",
        )


def _register(page: Page, goto_live, frontend_url: str) -> str:
    username = f"a11y_{secrets.token_hex(4)}"
    goto_live(page, f"{frontend_url}/register")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile("^" + re.escape(frontend_url) + "/?$"))
    return username


def _make_admin(username: str) -> None:
    with session_scope() as db:
        user_id = db.exec(select(User.id).where(col(User.username) == username)).one()
        factories.make_admin(db, user_id)


def _scan_more(page: Page, goto_live, base: str, axe_source: str, setup: str, results) -> None:
    """The logged-in extras: the open "Sell" dialog and each of /admin's other tabs."""
    goto_live(page, base + "/portfolio")
    _settle(page)
    page.get_by_role("button", name=f"Sell {GOLD}", exact=True).click()
    _opened(page, f"Sell {GOLD}")
    results["/portfolio (Sell dialog open)"] = _scan(page, axe_source)
    _shoot(page, setup, "portfolio sell")
    page.keyboard.press("Escape")
    goto_live(page, base + "/admin")
    _settle(page)
    for tab in ADMIN_TABS:
        page.get_by_role("tab", name=tab, exact=True).click()
        expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute(
            "aria-selected", "true"
        )
        expect(page.locator("main .rt-Spinner")).to_have_count(0)
        page.wait_for_timeout(600)  # charts measure their container
        results[f"/admin ({tab})"] = _scan(page, axe_source)
        _shoot(page, setup, f"admin {tab}")


def _add(page: Page, goto_live, frontend_url: str, search: str, name: str) -> None:
    goto_live(page, f"{frontend_url}/?q={search}")
    page.get_by_role("button", name=f"Add {name} to cart", exact=True).click()
    expect(page.get_by_text(f"{name} added to your cart")).to_be_visible()


def _shop(page: Page, goto_live, frontend_url: str) -> int:
    """Deposit, buy Gold, leave Gold and Silver in the cart; the order's id."""
    goto_live(page, f"{frontend_url}/account")
    page.get_by_label("Amount", exact=True).fill("500.00")
    page.get_by_role("button", name="Deposit", exact=True).click()
    expect(page.get_by_role("heading", name="Balance: $500.00")).to_be_visible()
    _add(page, goto_live, frontend_url, "gold", GOLD)
    goto_live(page, f"{frontend_url}/cart")
    page.get_by_role("button", name="Checkout", exact=True).click()
    status = page.locator("main").get_by_role("status").filter(has_text="placed")
    expect(status).to_be_visible()
    order_id = int(re.search(r"Order #(\d+)", status.inner_text()).group(1))
    _add(page, goto_live, frontend_url, "gold", GOLD)
    _add(page, goto_live, frontend_url, "silver", SILVER)
    return order_id


@pytest.fixture(scope="module")
def scans(browser, harness, frontend_url, demo_catalogue, axe_source, goto_live):
    """{setup: {path: scan}} for the four set-ups; logged-out carts hold one line."""
    results: dict[str, dict[str, Any]] = {}
    desktop = browser.new_context(viewport=DESKTOP)
    desktop.set_default_timeout(TIMEOUT_MS)
    shopper = desktop.new_page()
    username = _register(shopper, goto_live, frontend_url)
    order_id = _shop(shopper, goto_live, frontend_url)
    _make_admin(username)
    cookies = desktop.cookies()
    desktop.close()
    newcomer = browser.new_context(viewport=DESKTOP)  # owns nothing: the empty portfolio
    newcomer.set_default_timeout(TIMEOUT_MS)
    _register(newcomer.new_page(), goto_live, frontend_url)
    empty_cookies = newcomer.cookies()
    newcomer.close()
    for setup in SETUPS:
        phone = setup.startswith("phone")
        ctx = browser.new_context(
            viewport=PHONE if phone else DESKTOP, has_touch=phone, is_mobile=phone
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            page = ctx.new_page()
            if setup.endswith("-in"):
                ctx.add_cookies(cookies)
            else:
                _add(page, goto_live, frontend_url, "gold", GOLD)
            results[setup] = {}
            for path in PAGES:
                url = frontend_url + (f"/orders/{order_id}" if path == "ORDER" else path)
                goto_live(page, url)
                _settle(page)
                results[setup][path] = _scan(page, axe_source)
                _shoot(page, setup, path)
            if setup.endswith("-in"):
                _scan_more(page, goto_live, frontend_url, axe_source, setup, results[setup])
                ctx.clear_cookies()
                ctx.add_cookies(empty_cookies)
                page = ctx.new_page()
                goto_live(page, frontend_url + "/portfolio")
                _settle(page)
                results[setup]["/portfolio (empty)"] = _scan(page, axe_source)
                _shoot(page, setup, "portfolio empty")
            if phone:  # the menu's contents too, open
                goto_live(page, frontend_url + "/")
                _settle(page)
                page.get_by_role("button", name="Menu", exact=True).click()
                _opened(page, "Menu")
                results[setup]["/ (menu open)"] = _scan(page, axe_source, "[role=dialog]")
                _shoot(page, setup, "menu")
        finally:
            ctx.close()
    return results


@pytest.mark.parametrize("setup", SETUPS)
def test_no_serious_or_critical_axe_violations(scans, setup):
    found = {path: scan["violations"] for path, scan in scans[setup].items() if scan["violations"]}
    assert found == {}, pformat(found, width=200)


@pytest.mark.parametrize("setup", SETUPS)
def test_every_page_has_exactly_one_h1(scans, setup):
    counts = {path: scan["h1"] for path, scan in scans[setup].items()}
    assert counts == dict.fromkeys(counts, 1), pformat(counts)


@pytest.mark.parametrize("setup", ["phone-out", "phone-in"])
def test_nothing_scrolls_sideways_at_390_px(scans, setup):
    widths = {path: scan["boxes"]["scrollWidth"] for path, scan in scans[setup].items()}
    assert widths == dict.fromkeys(widths, PHONE["width"]), pformat(widths)


@pytest.mark.parametrize("setup", ["phone-out", "phone-in"])
def test_every_control_is_on_screen_and_44_px_on_a_touch_screen(scans, setup):
    problems = {}
    for path, scan in scans[setup].items():
        width = scan["boxes"]["innerWidth"]
        bad = [
            f"{c['name']}: {c['width']:.0f}×{c['height']:.0f} at {c['left']:.0f}–{c['right']:.0f}"
            for c in scan["boxes"]["controls"]
            if c["left"] < -0.5
            or c["right"] > width + 0.5
            or c["width"] < MIN_TARGET
            or c["height"] < MIN_TARGET
        ]
        if bad:
            problems[path] = bad
    assert problems == {}, pformat(problems, width=200)
