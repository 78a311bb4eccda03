"""Register, log out, log in and the session cookie, in Chromium against the production build.

Logging in leaves the single-page app: the handler sends the browser to the backend's
/auth/session, which sets the HttpOnly cookie and redirects back to the frontend. So after
each submit the tests wait for the URL and the page content, never for a fixed time.
"""

from __future__ import annotations

import re
import secrets

import pytest
from e2e_helpers import goto_live
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"  # accepted by the policy; contains no test username
SESSION_COOKIE = "fintech_session"
INVALID_LOGIN = "Invalid username or password"


def unique_username(prefix: str) -> str:
    """A fresh valid username: the database lives for the whole test session."""
    return f"{prefix}_{secrets.token_hex(4)}"


def login_url_for(next_path_quoted: str) -> re.Pattern[str]:
    """The login page's URL whose `next` is the given (quoted) path.

    The production frontend server (Starlette StaticFiles with html=True, as `reflex run
    --env prod` serves it) answers /account with a 307 to /account/, so the page the visitor
    asked for may arrive with a trailing slash: `next` may then end in an encoded '/'.
    """
    return re.compile(r"/login/?\?next=" + re.escape(next_path_quoted) + "(%2F)?$")


def fill_register_form(page: Page, username: str, password: str) -> None:
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_label("Confirm password", exact=True).fill(password)
    form.get_by_role("button", name="Create account").click()


def fill_login_form(page: Page, username: str, password: str) -> None:
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in").click()


def expect_logged_in_as(page: Page, username: str) -> None:
    """The navigation bar's account link names the user, next to the log-out button."""
    expect(page.get_by_role("link", name=f"Account, {username}", exact=True)).to_have_text(username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def expect_logged_out(page: Page) -> None:
    expect(page.get_by_role("link", name="Register", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Account, "))).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def session_cookies(page: Page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def test_register_log_out_and_log_back_in(page: Page, frontend_url: str) -> None:
    username = unique_username("journey")

    goto_live(page, f"{frontend_url}/register")
    fill_register_form(page, username, PASSWORD)
    expect(page).to_have_url(re.compile("^" + re.escape(frontend_url) + "/?$"))
    expect_logged_in_as(page, username)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect_logged_out(page)
    assert session_cookies(page) == [], "logging out must delete the session cookie"

    page.goto(f"{frontend_url}/account")
    expect(page).to_have_url(login_url_for("%2Faccount"))

    fill_login_form(page, username, PASSWORD)
    expect(page).to_have_url(re.compile("^" + re.escape(frontend_url) + r"/account/?$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    # The page itself names the user too, besides the navigation bar: at least two matches.
    expect(page.get_by_text(re.compile(re.escape(username))).nth(1)).to_be_visible()
    expect_logged_in_as(page, username)


def test_wrong_password_is_refused_with_one_message(
    page: Page, frontend_url: str, create_user
) -> None:
    username = unique_username("wrongpw")
    create_user(username, PASSWORD)

    goto_live(page, f"{frontend_url}/login")
    fill_login_form(page, username, PASSWORD + "-nope")

    expect(page.get_by_role("alert")).to_have_text(INVALID_LOGIN)
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert session_cookies(page) == []


def test_markup_in_username_is_refused_and_never_rendered(page: Page, frontend_url: str) -> None:
    goto_live(page, f"{frontend_url}/register")
    fill_register_form(page, "<b>x</b>", PASSWORD)

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Username may contain only letters, digits")
    assert page.locator("b", has_text="x").count() == 0
    expect(page).to_have_url(re.compile(r"/register/?$"))
    assert session_cookies(page) == []


def test_account_page_sends_visitors_to_log_in(page: Page, frontend_url: str) -> None:
    page.goto(f"{frontend_url}/account")

    expect(page).to_have_url(login_url_for("%2Faccount"))
    expect(page.locator("form").get_by_role("button", name="Log in")).to_be_visible()
    expect_logged_out(page)
    expect(page.get_by_role("heading", name="Your account")).to_have_count(0)


def test_session_cookie_is_http_only_and_same_site_lax(page: Page, frontend_url: str) -> None:
    username = unique_username("cookie")

    goto_live(page, f"{frontend_url}/register")
    fill_register_form(page, username, PASSWORD)
    expect_logged_in_as(page, username)

    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    (cookie,) = session_cookies(page)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["value"]


@pytest.mark.parametrize(
    "next_value",
    ["https://evil.example", "//evil.example", "/\\evil.example", "https:evil.example"],
)
def test_next_parameter_cannot_leave_the_app(
    page: Page, frontend_url: str, create_user, next_value: str
) -> None:
    username = unique_username("redirect")
    create_user(username, PASSWORD)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    goto_live(page, f"{frontend_url}/login?next={next_value}")
    fill_login_form(page, username, PASSWORD)

    expect_logged_in_as(page, username)
    assert page.url.startswith(frontend_url + "/"), page.url
    assert not [url for url in visited if "evil.example" in url.split("?")[0]], visited
