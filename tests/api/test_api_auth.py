"""Token authentication: both headers, and every kind of token that must be refused."""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from starlette.testclient import TestClient

from fintech_ui.db import session_scope
from fintech_ui.security import TokenClaims, issue_token
from fintech_ui.services.accounts import disable_user
from fintech_ui.settings import get_settings

if TYPE_CHECKING:
    from conftest import ApiUser

MISSING = {"message": "Token is missing!"}
INVALID = {"message": "Invalid Token!"}
PROTECTED = [
    ("GET", "/cart"),
    ("POST", "/cart/items"),
    ("PATCH", "/cart/items/1"),
    ("DELETE", "/cart/items/1"),
    ("POST", "/cart/accept-prices"),
    ("POST", "/checkout"),
    ("GET", "/orders"),
    ("GET", "/orders/1"),
    ("GET", "/account"),
    ("POST", "/account/deposits"),
    ("POST", "/logout"),
]


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _account(client: TestClient, headers: dict[str, str]):
    return client.get("/account", headers=headers)


def test_x_access_tokens_header_authenticates(client: TestClient, user: ApiUser) -> None:
    response = _account(client, {"x-access-tokens": user.token})

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_authorization_bearer_header_authenticates(client: TestClient, user: ApiUser) -> None:
    response = _account(client, {"Authorization": f"Bearer {user.token}"})

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_bearer_scheme_is_case_insensitive(client: TestClient, user: ApiUser) -> None:
    response = _account(client, {"Authorization": f"bearer {user.token}"})

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_endpoint_without_token_answers_401_token_missing(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert response.status_code == 401
    assert response.json() == MISSING


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_endpoint_with_garbage_token_answers_401_invalid_token(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, headers={"x-access-tokens": "not-a-token"})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_basic_authorization_on_protected_endpoint_counts_as_no_token(
    client: TestClient, user: ApiUser
) -> None:
    response = client.get("/account", auth=(user.username, user.password))

    assert response.status_code == 401
    assert response.json() == MISSING


def test_empty_bearer_value_counts_as_no_token(client: TestClient) -> None:
    response = _account(client, {"Authorization": "Bearer "})

    assert response.status_code == 401
    assert response.json() == MISSING


def test_token_with_alg_none_is_refused(client: TestClient, user: ApiUser) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(user.token)).encode())
    unsigned = f"{header}.{payload}."

    response = _account(client, {"x-access-tokens": unsigned})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_signed_with_hs512_and_the_real_key_is_refused(
    client: TestClient, user: ApiUser
) -> None:
    forged = jwt.encode(_claims(user.token), get_settings().secret_key, algorithm="HS512")

    response = _account(client, {"x-access-tokens": forged})

    assert response.status_code == 401
    assert response.json() == INVALID


@pytest.mark.parametrize(
    ("claim", "value"), [("iss", "evil"), ("aud", "evil")], ids=["iss-evil", "aud-evil"]
)
def test_token_signed_with_the_real_key_but_foreign_issuer_or_audience_is_refused(
    client: TestClient, user: ApiUser, claim: str, value: str
) -> None:
    forged_claims = _claims(user.token) | {claim: value}
    forged = jwt.encode(forged_claims, get_settings().secret_key, algorithm="HS256")

    response = _account(client, {"x-access-tokens": forged})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_signed_with_another_key_is_refused(client: TestClient, user: ApiUser) -> None:
    forged = jwt.encode(_claims(user.token), b"k" * 64, algorithm="HS256")

    response = _account(client, {"x-access-tokens": forged})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_with_tampered_payload_is_refused(client: TestClient, user: ApiUser) -> None:
    header, _payload, signature = user.token.split(".")
    claims = _claims(user.token) | {"exp": _claims(user.token)["exp"] + 86_400}
    tampered = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"

    response = _account(client, {"x-access-tokens": tampered})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_validly_signed_token_with_unknown_jti_is_refused(
    client: TestClient, user: ApiUser
) -> None:
    now = int(time.time())
    claims = TokenClaims(sub=str(user.id), jti="no-such-session-jti", iat=now, exp=now + 3600)
    forged = issue_token(claims, key=get_settings().secret_key)

    response = _account(client, {"x-access-tokens": forged})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_validly_signed_token_naming_another_user_is_refused(
    client: TestClient, user: ApiUser, make_user
) -> None:
    other = make_user()
    claims = _claims(user.token)
    # The real session row of `user`, but presented as `other`'s.
    forged = issue_token(
        TokenClaims(sub=str(other.id), jti=claims["jti"], iat=claims["iat"], exp=claims["exp"]),
        key=get_settings().secret_key,
    )

    response = _account(client, {"x-access-tokens": forged})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_expired_token_is_refused(client: TestClient, user: ApiUser) -> None:
    now = int(time.time())
    claims = _claims(user.token)
    expired = issue_token(
        TokenClaims(sub=str(user.id), jti=claims["jti"], iat=now - 7200, exp=now - 3600),
        key=get_settings().secret_key,
    )

    response = _account(client, {"x-access-tokens": expired})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_expired_within_clock_leeway_is_refused(client: TestClient, user: ApiUser) -> None:
    now = int(time.time())
    claims = _claims(user.token)
    just_expired = issue_token(
        TokenClaims(sub=str(user.id), jti=claims["jti"], iat=now - 600, exp=now - 5),
        key=get_settings().secret_key,
    )

    response = _account(client, {"x-access-tokens": just_expired})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_after_logout_is_refused(client: TestClient, user: ApiUser) -> None:
    assert client.post("/logout", headers=user.headers).status_code == 200

    response = _account(client, user.headers)

    assert response.status_code == 401
    assert response.json() == INVALID


def test_bearer_token_after_logout_is_refused(client: TestClient, user: ApiUser) -> None:
    client.post("/logout", headers=user.bearer)

    response = _account(client, user.bearer)

    assert response.status_code == 401
    assert response.json() == INVALID


def test_token_of_disabled_user_is_refused(client: TestClient, user: ApiUser) -> None:
    with session_scope() as db:
        disable_user(db, user_id=user.id, now=int(time.time()))

    response = _account(client, user.headers)

    assert response.status_code == 401
    assert response.json() == INVALID


def test_disabled_user_cannot_log_in_again(client: TestClient, user: ApiUser) -> None:
    with session_scope() as db:
        disable_user(db, user_id=user.id, now=int(time.time()))

    response = client.post("/login", auth=(user.username, user.password))

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid credentials!"}


def test_overlong_token_is_refused(client: TestClient) -> None:
    response = _account(client, {"x-access-tokens": "a" * 5000})

    assert response.status_code == 401
    assert response.json() == INVALID
