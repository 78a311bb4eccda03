"""The cookie endpoints: a login code redeems only in the browser it was made for (its login
nonce), log-out is a POST from the app's own pages that revokes the session (GET is a 405),
every page served carries a login nonce, and the redirects land under the frontend URL."""

from __future__ import annotations

import time
import uuid

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from fintech_ui.db import session_scope
from fintech_ui.security import DEVICE_COOKIE, LOGIN_NONCE_COOKIE, SESSION_COOKIE
from fintech_ui.services import accounts
from fintech_ui.services.sessions import resolve_session
from fintech_ui.session_cookie import NonceCookieMiddleware, cookie_routes
from fintech_ui.settings import get_settings

FRONTEND = "https://invest.example.com/"
OWN_ORIGIN = "https://invest.example.com"
NONCE = "victim-browser-nonce-0123456789"
ATTACKER_NONCE = "attacker-browser-nonce-987654321"
PASSWORD = "Tr0ub4dor&3-staple"


@pytest.fixture
def client() -> TestClient:
    app = Starlette(routes=cookie_routes(lambda: FRONTEND))
    return TestClient(app, follow_redirects=False)


def _login_code(browser_nonce: str) -> tuple[str, str]:
    """(login code, username) of a fresh account logged in from the browser `browser_nonce`."""
    name = "ck" + uuid.uuid4().hex[:10]
    with session_scope() as db:
        result = accounts.register_and_log_in(
            db,
            username=name,
            password=PASSWORD,
            address=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}",
            next_path="/account",
            browser_nonce=browser_nonce,
            settings=get_settings(),
            now=int(time.time()),
        )
    return result.login_code, name


# --- /auth/session: the code and the browser's nonce --------------------------------------


def test_code_redeems_in_the_browser_that_logged_in(client):
    code, _ = _login_code(NONCE)
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    response = client.get(f"/auth/session?code={code}")
    assert response.headers["location"] == "https://invest.example.com/account"
    assert SESSION_COOKIE in client.cookies and DEVICE_COOKIE in client.cookies


def test_session_cookie_is_httponly_and_lax(client):
    code, _ = _login_code(NONCE)
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    cookies = client.get(f"/auth/session?code={code}").headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=lax" in session


def test_code_without_any_nonce_logs_no_one_in(client):
    code, _ = _login_code(NONCE)
    response = client.get(f"/auth/session?code={code}")
    assert response.headers["location"] == "https://invest.example.com/login"
    assert "set-cookie" not in response.headers


def test_attackers_code_in_the_victims_browser_logs_no_one_in(client):
    # Login CSRF: the attacker logs in in their own browser and sends the victim the link.
    code, _ = _login_code(ATTACKER_NONCE)
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    response = client.get(f"/auth/session?code={code}")
    assert response.headers["location"] == "https://invest.example.com/login"
    assert "set-cookie" not in response.headers


def test_refused_code_still_works_in_its_own_browser_once(client):
    code, _ = _login_code(NONCE)
    client.cookies.set(LOGIN_NONCE_COOKIE, ATTACKER_NONCE)
    client.get(f"/auth/session?code={code}")
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    assert client.get(f"/auth/session?code={code}").headers["location"].endswith("/account")
    assert client.get(f"/auth/session?code={code}").headers["location"].endswith("/login")


@pytest.mark.parametrize("query", ["", "?code=", "?code=not-a-code"])
def test_unknown_login_code_lands_on_the_login_page_without_a_cookie(client, query):
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    response = client.get(f"/auth/session{query}")
    assert response.headers["location"] == "https://invest.example.com/login"
    assert "set-cookie" not in response.headers


# --- /auth/logout: POST from the app's own pages ----------------------------------------


def _logged_in(client: TestClient) -> str:
    code, _ = _login_code(NONCE)
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    client.get(f"/auth/session?code={code}")
    return client.cookies[SESSION_COOKIE]


def _live(token: str) -> bool:
    with session_scope() as db:
        return resolve_session(db, token, settings=get_settings(), now=int(time.time())) is not None


def test_logout_get_is_method_not_allowed(client):
    token = _logged_in(client)
    assert client.get("/auth/logout").status_code == 405
    assert _live(token)


def test_logout_post_from_the_app_revokes_the_session_and_drops_the_cookie(client):
    token = _logged_in(client)
    response = client.post("/auth/logout", headers={"origin": OWN_ORIGIN})
    assert (response.status_code, response.headers["location"]) == (
        303,
        "https://invest.example.com/login",
    )
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert not _live(token)


@pytest.mark.parametrize(
    "origin", [None, "null", "https://evil.example", "http://invest.example.com"]
)
def test_logout_post_from_elsewhere_is_refused_and_ends_nothing(client, origin):
    token = _logged_in(client)
    headers = {} if origin is None else {"origin": origin}
    response = client.post("/auth/logout", headers=headers)
    assert response.status_code == 403
    assert _live(token)


def test_frontend_url_is_read_per_request():
    urls = iter(["http://a.test", "http://a.test", "http://b.test", "http://b.test"])
    client = TestClient(Starlette(routes=cookie_routes(lambda: next(urls))), follow_redirects=False)
    assert client.post("/auth/logout", headers={"origin": "http://a.test"}).headers["location"] == (
        "http://a.test/login"
    )
    assert client.post("/auth/logout", headers={"origin": "http://b.test"}).headers["location"] == (
        "http://b.test/login"
    )


def test_pages_served_by_the_backend_itself_are_reached_by_path():
    # One port (`make run`): no frontend URL, so the redirect keeps the host name the browser
    # used (127.0.0.1 or localhost), where its login cookies are.
    code, _ = _login_code(NONCE)
    same_server = TestClient(Starlette(routes=cookie_routes(lambda: "")), follow_redirects=False)
    same_server.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    response = same_server.get(f"/auth/session?code={code}")
    assert response.headers["location"] == "/account"
    assert SESSION_COOKIE in same_server.cookies
    token = same_server.cookies[SESSION_COOKIE]
    own = same_server.post("/auth/logout", headers={"origin": "http://testserver"})
    assert own.headers["location"] == "/login"
    assert not _live(token)


def test_pages_served_by_the_backend_itself_still_refuse_a_foreign_logout():
    same_server = TestClient(Starlette(routes=cookie_routes(lambda: "")), follow_redirects=False)
    for origin in (None, "null", "", "https://evil.example"):
        headers = {} if origin is None else {"origin": origin}
        assert same_server.post("/auth/logout", headers=headers).status_code == 403


# --- the login nonce ----------------------------------------------------------------------


def test_nonce_endpoint_sets_the_cookie_and_returns_to_the_page(client):
    response = client.get("/auth/nonce?next=/login?next=%2Fcart")
    assert response.headers["location"] == "https://invest.example.com/login?next=/cart&cookies=1"
    nonce = next(c for c in response.headers.get_list("set-cookie") if LOGIN_NONCE_COOKIE in c)
    assert "HttpOnly" in nonce and "SameSite=lax" in nonce


def test_nonce_endpoint_keeps_an_existing_nonce(client):
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    assert "set-cookie" not in client.get("/auth/nonce?next=/login").headers


def test_nonce_endpoint_never_redirects_off_site(client):
    location = client.get("/auth/nonce?next=https://evil.example/").headers["location"]
    assert location.startswith("https://invest.example.com/")


def _pages() -> TestClient:
    async def page(_request):
        return HTMLResponse("<html></html>")

    async def data(_request):
        return JSONResponse({})

    app = Starlette(routes=[Route("/", page), Route("/data", data)])
    return TestClient(NonceCookieMiddleware(app))


def test_a_page_served_without_a_nonce_sets_one():
    cookie = _pages().get("/").headers["set-cookie"]
    assert cookie.startswith(LOGIN_NONCE_COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_each_browser_gets_its_own_nonce():
    first = _pages().get("/").headers["set-cookie"].split(";")[0]
    second = _pages().get("/").headers["set-cookie"].split(";")[0]
    assert first != second


def test_a_page_served_with_a_nonce_keeps_it():
    client = _pages()
    client.cookies.set(LOGIN_NONCE_COOKIE, NONCE)
    assert "set-cookie" not in client.get("/").headers


def test_data_responses_set_no_nonce():
    assert "set-cookie" not in _pages().get("/data").headers
