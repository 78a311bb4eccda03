"""Account security in Chromium (issue 10): the login code works only in the browser that
logged in, log-out is a POST (a GET or a cross-site page logs no one out), the password can be
changed and sessions ended on /account/security, and an operator's reset link sets a new one.
"""

from __future__ import annotations

import re
import secrets
import time

import pytest
from e2e_helpers import goto_live
from playwright.sync_api import Page, expect

from fintech_ui.db import session_scope
from fintech_ui.services.operators import reset_password_link

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"
NEW_PASSWORD = "Copper-Meadow-Signal-58"
SESSION_COOKIE = "fintech_session"


def _name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


def _log_in(page: Page, frontend_url: str, username: str, password: str) -> None:
    goto_live(page, f"{frontend_url}/login")
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in").click()


def _logged_in(page: Page) -> bool:
    return any(c["name"] == SESSION_COOKIE for c in page.context.cookies())


def test_login_code_from_another_browser_logs_no_one_in(
    browser, page: Page, frontend_url: str, create_user
) -> None:
    # The attacker logs in in their own browser and catches the code on its way...
    attacker = _name("attacker")
    create_user(attacker, PASSWORD)
    codes: list[str] = []
    page.route(
        re.compile(r".*/auth/session\?code=.*"),
        lambda route: (codes.append(route.request.url), route.abort()),
    )
    _log_in(page, frontend_url, attacker, PASSWORD)
    deadline = time.monotonic() + 20
    while not codes and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert codes, "the login form sent no code"
    # ...and sends a victim (another browser, with a login nonce of its own) to it.
    victim = browser.new_context()
    try:
        victim_page = victim.new_page()
        goto_live(victim_page, f"{frontend_url}/")
        victim_page.goto(codes[0])
        expect(victim_page).to_have_url(re.compile(r"/login/?$"))
        assert not _logged_in(victim_page)
    finally:
        victim.close()


def test_log_out_is_a_post_and_a_get_logs_no_one_out(
    page: Page, frontend_url: str, backend_url: str, create_user
) -> None:
    username = _name("getout")
    create_user(username, PASSWORD)
    _log_in(page, frontend_url, username, PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # A cross-site <img src=…/auth/logout> or link is a GET: refused, still logged in.
    response = page.request.get(f"{backend_url}/auth/logout", max_redirects=0)
    assert response.status == 405
    goto_live(page, f"{frontend_url}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert not _logged_in(page)


def test_change_password_ends_the_other_browser_and_keeps_this_one(
    browser, page: Page, frontend_url: str, create_user
) -> None:
    username = _name("changer")
    create_user(username, PASSWORD)
    other = browser.new_context()
    try:
        other_page = other.new_page()
        _log_in(other_page, frontend_url, username, PASSWORD)
        expect(other_page.get_by_role("button", name="Log out")).to_be_visible()
        _log_in(page, frontend_url, username, PASSWORD)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        goto_live(page, f"{frontend_url}/account")
        page.get_by_role("link", name="Password and sessions").click()
        expect(page.get_by_role("heading", name="Active sessions")).to_be_visible()
        expect(page.get_by_text("This device")).to_have_count(1)
        expect(page.get_by_role("button", name="End session")).to_have_count(2)

        page.get_by_label("Current password", exact=True).fill(PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
        expect(page.get_by_role("button", name="End session")).to_have_count(1)

        goto_live(other_page, f"{frontend_url}/account")
        expect(other_page).to_have_url(re.compile(r"/login"))
        goto_live(page, f"{frontend_url}/account")
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    finally:
        other.close()


def test_log_out_other_sessions(browser, page: Page, frontend_url: str, create_user) -> None:
    username = _name("others")
    create_user(username, PASSWORD)
    other = browser.new_context()
    try:
        other_page = other.new_page()
        _log_in(other_page, frontend_url, username, PASSWORD)
        expect(other_page.get_by_role("button", name="Log out")).to_be_visible()
        _log_in(page, frontend_url, username, PASSWORD)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        goto_live(page, f"{frontend_url}/account/security")
        page.get_by_role("button", name="Log out other sessions").click()
        expect(page.get_by_text("1 other session ended.")).to_be_visible()
        goto_live(other_page, f"{frontend_url}/account")
        expect(other_page).to_have_url(re.compile(r"/login"))
    finally:
        other.close()


def test_operator_reset_link_sets_a_new_password(
    page: Page, frontend_url: str, create_user
) -> None:
    username = _name("resetme")
    create_user(username, PASSWORD)
    with session_scope() as db:
        link = reset_password_link(
            db, username=username, base_url=frontend_url, now=int(time.time())
        )
    goto_live(page, link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password was set")).to_be_visible()
    _log_in(page, frontend_url, username, NEW_PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
