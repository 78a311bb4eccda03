"""POST /login with HTTP Basic, POST /logout, and the failed-login throttle."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

if TYPE_CHECKING:
    from conftest import ApiUser

INVALID = {"message": "Invalid credentials!"}
CHALLENGE = 'Basic realm="Login required!"'


def _basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def test_login_with_right_password_answers_200_with_token_and_message(
    client: TestClient, username: str, password: str
) -> None:
    client.post("/register", json={"username": username, "password": password})

    response = client.post("/login", auth=(username, password))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "message"}
    assert body["message"] == "Login Successful!"
    assert isinstance(body["token"], str) and body["token"]


def test_login_ignores_the_case_of_the_username(
    client: TestClient, username: str, password: str
) -> None:
    client.post("/register", json={"username": username, "password": password})

    response = client.post("/login", auth=(username.upper(), password))

    assert response.status_code == 200


def test_login_token_opens_a_protected_endpoint(
    client: TestClient, username: str, password: str
) -> None:
    client.post("/register", json={"username": username, "password": password})
    token = client.post("/login", auth=(username, password)).json()["token"]

    response = client.get("/account", headers={"x-access-tokens": token})

    assert response.status_code == 200
    assert response.json()["username"] == username


def test_login_with_wrong_password_answers_401_with_challenge(
    client: TestClient, user: ApiUser
) -> None:
    response = client.post("/login", auth=(user.username, user.password + "x"))

    assert response.status_code == 401
    assert response.json() == INVALID
    assert response.headers["WWW-Authenticate"] == CHALLENGE


def test_login_of_unknown_user_answers_401_like_a_wrong_password(
    client: TestClient, username: str, password: str
) -> None:
    response = client.post("/login", auth=(username, password))

    assert response.status_code == 401
    assert response.json() == INVALID
    assert response.headers["WWW-Authenticate"] == CHALLENGE


def test_login_without_authorization_header_answers_401(client: TestClient) -> None:
    response = client.post("/login")

    assert response.status_code == 401
    assert response.json() == INVALID
    assert response.headers["WWW-Authenticate"] == CHALLENGE


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Basic !!!not-base64!!!", id="malformed-base64"),
        pytest.param("Basic " + base64.b64encode(b"no-colon-here").decode(), id="no-colon"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:pw").decode(), id="not-utf8"),
        pytest.param("Basic ", id="empty-value"),
        pytest.param("Bearer abc.def.ghi", id="bearer-scheme"),
        pytest.param("Basic " + "A" * 5000, id="overlong"),
    ],
)
def test_login_with_unusable_authorization_header_answers_401(
    client: TestClient, header: str
) -> None:
    response = client.post("/login", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_login_with_credentials_in_json_body_instead_of_basic_answers_401(
    client: TestClient, user: ApiUser
) -> None:
    response = client.post("/login", json={"username": user.username, "password": user.password})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_login_with_password_containing_colons_is_split_at_the_first_colon(
    client: TestClient, username: str
) -> None:
    password = "Velvet:Orbit:Lantern:42"
    client.post("/register", json={"username": username, "password": password})

    response = client.post("/login", headers=_basic(f"{username}:{password}".encode()))

    assert response.status_code == 200


def test_repeated_failed_logins_for_one_account_answer_429_with_integer_retry_after(
    client: TestClient, user: ApiUser
) -> None:
    # 5 failures per account are free; then each one makes the next wait 1, 2, 4 … seconds.
    statuses = []
    for _ in range(10):
        response = client.post("/login", auth=(user.username, "Wrong-Password-123"))
        statuses.append(response.status_code)
        if response.status_code == 429:
            break

    assert statuses[-1] == 429, statuses
    assert response.json() == {"message": "Too many failed attempts. Try again later."}
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1


def test_throttled_account_refuses_even_the_right_password(
    client: TestClient, user: ApiUser
) -> None:
    for _ in range(10):
        if client.post("/login", auth=(user.username, "Wrong-Password-123")).status_code == 429:
            break

    response = client.post("/login", auth=(user.username, user.password))

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_throttle_of_one_account_does_not_block_another(
    client: TestClient, make_user: Callable[..., ApiUser]
) -> None:
    victim, other = make_user(), make_user()
    for _ in range(10):
        if client.post("/login", auth=(victim.username, "Wrong-Password-123")).status_code == 429:
            break

    response = client.post("/login", auth=(other.username, other.password))

    assert response.status_code == 200


def test_logout_answers_200_with_message(client: TestClient, user: ApiUser) -> None:
    response = client.post("/logout", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == {"message": "Logged out."}


def test_logout_ends_only_the_session_used(
    client: TestClient, user: ApiUser, fresh_token: Callable[[ApiUser], str]
) -> None:
    other_session = fresh_token(user)

    client.post("/logout", headers=user.headers)

    assert client.get("/account", headers={"x-access-tokens": other_session}).status_code == 200


def test_logout_without_token_answers_401(client: TestClient) -> None:
    response = client.post("/logout")

    assert response.status_code == 401
    assert response.json() == {"message": "Token is missing!"}
