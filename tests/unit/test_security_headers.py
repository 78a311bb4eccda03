"""Security headers on every HTTP response in production (issue 10, defect 10)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from fintech_ui.security_headers import (
    SecurityHeadersMiddleware,
    content_security_policy,
    transformer,
)

ORIGIN = "https://invest.example.com"


async def _page(_request):
    return HTMLResponse("<html><body>catalogue</body></html>")


async def _json(_request):
    return JSONResponse({"items": []})


async def _redirect(_request):
    return RedirectResponse("/", status_code=303)


async def _own_policy(_request):
    return PlainTextResponse("x", headers={"Referrer-Policy": "no-referrer"})


async def _socket(websocket):
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def _app() -> Starlette:
    return Starlette(
        routes=[
            Route("/", _page),
            Route("/api/items", _json),
            Route("/auth/logout", _redirect, methods=["POST"]),
            Route("/own", _own_policy),
            WebSocketRoute("/_event", _socket),
        ]
    )


@pytest.fixture
def client() -> TestClient:
    return TestClient(SecurityHeadersMiddleware(_app(), allowed_origins=[ORIGIN]))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/api/items"), ("POST", "/auth/logout"), ("GET", "/missing")],
    ids=["page", "api", "redirect", "not-found"],
)
def test_every_response_carries_the_security_headers(client, method, path):
    response = client.request(method, path, follow_redirects=False)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_header_set_by_the_endpoint_is_kept_and_not_duplicated(client):
    response = client.get("/own")
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]


def test_websocket_passes_through(client):
    with client.websocket_connect("/_event") as socket:
        assert socket.receive_text() == "hello"


def test_policy_allows_only_this_site():
    policy = dict(part.split(" ", 1) for part in content_security_policy([ORIGIN, "*"]).split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["connect-src"] == f"'self' {ORIGIN} wss://invest.example.com"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == f"'self' {ORIGIN}"  # the log-out form posts there
    assert policy["frame-ancestors"] == "'none'"
    assert "*" not in policy["connect-src"].split()


def test_policy_reduces_urls_to_origins_once():
    policy = content_security_policy(
        ["http://127.0.0.1:8001/", "http://127.0.0.1:8001/api", "ftp://x"]
    )
    connect = next(p for p in policy.split("; ") if p.startswith("connect-src"))
    assert connect == "connect-src 'self' http://127.0.0.1:8001 ws://127.0.0.1:8001"


def test_transformer_wraps_only_when_enabled():
    app = _app()
    assert transformer(enabled=False)(app) is app
    wrapped = transformer(enabled=True, allowed_origins=[ORIGIN])(app)
    response = TestClient(wrapped).get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
