"""The cookie endpoints redirect to pages under the frontend URL they are given."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from fintech_ui.security import SESSION_COOKIE
from fintech_ui.session_cookie import cookie_routes

FRONTEND = "https://invest.example.com/"


@pytest.fixture
def client() -> TestClient:
    app = Starlette(routes=cookie_routes(lambda: FRONTEND))
    return TestClient(app, follow_redirects=False)


def test_logout_redirects_to_the_login_page_of_the_frontend(client):
    response = client.get("/auth/logout")
    assert (response.status_code, response.headers["location"]) == (
        303,
        "https://invest.example.com/login",
    )


def test_logout_deletes_the_session_cookie(client):
    assert f'{SESSION_COOKIE}=""' in client.get("/auth/logout").headers["set-cookie"]


@pytest.mark.parametrize("query", ["", "?code=", "?code=not-a-code"])
def test_unknown_login_code_lands_on_the_login_page_without_a_cookie(client, query):
    response = client.get(f"/auth/session{query}")
    assert response.headers["location"] == "https://invest.example.com/login"
    assert "set-cookie" not in response.headers


def test_frontend_url_is_read_per_request():
    urls = iter(["http://a.test", "http://b.test"])
    client = TestClient(Starlette(routes=cookie_routes(lambda: next(urls))), follow_redirects=False)
    assert client.get("/auth/logout").headers["location"] == "http://a.test/login"
    assert client.get("/auth/logout").headers["location"] == "http://b.test/login"
