"""Hostile request bodies on every endpoint that reads one: always a 4xx JSON answer, never 500."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from fintech_ui.api import api

if TYPE_CHECKING:
    from conftest import ApiUser

# (method, path) of every endpoint that reads a JSON body; {item} is a product in the cart.
BODY_ENDPOINTS = [
    pytest.param("POST", "/register", id="register"),
    pytest.param("POST", "/cart/items", id="cart-add"),
    pytest.param("PATCH", "/cart/items/{item}", id="cart-patch"),
    pytest.param("POST", "/checkout", id="checkout"),
    pytest.param("POST", "/account/deposits", id="deposit"),
]

DEPTH = 5000  # far deeper than Python's recursion limit, yet only 10 KB: under the size limit


@pytest.fixture
def send(client: TestClient, user: ApiUser, make_item: Callable[..., int]) -> Callable[..., Any]:
    """`send(method, path, raw, content_type)`: one raw body, as `user`, to an endpoint."""
    item = make_item()
    added = client.post("/cart/items", json={"item_id": item}, headers=user.headers)
    assert added.status_code == 201

    def _send(method: str, path: str, raw: bytes, content_type: str = "application/json"):
        headers = {
            **user.headers,
            "Content-Type": content_type,
            "Idempotency-Key": "bodies-test-key-0001",
        }
        return client.request(method, path.format(item=item), content=raw, headers=headers)

    return _send


def _assert_client_error(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_deeply_nested_json_array_answers_4xx_not_500(
    send: Callable[..., Any], method: str, path: str
) -> None:
    response = send(method, path, b"[" * DEPTH + b"]" * DEPTH)

    _assert_client_error(response)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_deeply_nested_json_object_answers_4xx_not_500(
    send: Callable[..., Any], method: str, path: str
) -> None:
    raw = b'{"a":' * (DEPTH // 2) + b"1" + b"}" * (DEPTH // 2)

    response = send(method, path, raw)

    _assert_client_error(response)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_integer_with_thousands_of_digits_answers_4xx(
    send: Callable[..., Any], method: str, path: str
) -> None:
    response = send(method, path, b'{"quantity": ' + b"9" * 5000 + b"}")

    _assert_client_error(response)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"quantity": NaN, "amount": NaN, "item_id": NaN}', id="nan"),
        pytest.param(b'{"quantity": Infinity, "item_id": -Infinity}', id="infinity"),
        pytest.param(b'{"quantity": 1e400, "item_id": 1e400}', id="float-overflow"),
        pytest.param(b'{"item_id": 1, "item_id": {"$gt": 0}}', id="duplicate-keys"),
        pytest.param(b'{"\\ud800": 1}', id="lone-surrogate-key"),
        pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
        pytest.param(b"{}" * 2, id="two-documents"),
    ],
)
def test_odd_json_answers_4xx_json(
    send: Callable[..., Any], method: str, path: str, raw: bytes
) -> None:
    response = send(method, path, raw)

    _assert_client_error(response)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_form_body_on_json_endpoint_answers_4xx(
    send: Callable[..., Any], method: str, path: str
) -> None:
    response = send(
        method, path, b"item_id=1&quantity=1&amount=5", "application/x-www-form-urlencoded"
    )

    _assert_client_error(response)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_multipart_without_boundary_answers_4xx(
    send: Callable[..., Any], method: str, path: str
) -> None:
    response = send(method, path, b"a=b", "multipart/form-data")

    _assert_client_error(response)


def test_register_with_file_instead_of_username_answers_422(
    client: TestClient, password: str
) -> None:
    files = {"username": ("name.txt", b"someone"), "password": (None, password)}

    response = client.post("/register", files=files)

    assert response.status_code == 422
    assert response.json() == {"message": "Missing field: username."}


def _asgi_post(path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes]:
    """POST straight into the ASGI app, with headers a test client would rewrite."""
    messages: list[dict[str, Any]] = []
    inbox = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        # Starlette re-raises after sending its 500; the status sent is what the test judges.
        with contextlib.suppress(Exception):
            await api(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in messages if m["type"] == "http.response.start")
    body_out = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], body_out


def test_non_ascii_digit_content_length_answers_4xx_not_500() -> None:
    # "²" is str.isdigit() but not a number int() accepts. Servers such as uvicorn refuse it
    # before the app sees it; the app must not depend on that.
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", "²".encode("latin-1")),
    ]

    status, _ = _asgi_post("/register", headers, b"{}")

    assert 400 <= status < 500, status
