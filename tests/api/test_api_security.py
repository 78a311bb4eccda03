"""Account security over the API (issue 10): idempotent deposits (Idempotency-Key), checkout of
the cart version the client read (409 otherwise), registration throttled per address (429 with
Retry-After), a full password pool (503 with Retry-After), password change ending every other
token, and the user's live sessions listed and ended."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from fintech_ui import db as fintech_db
from fintech_ui.db import session_scope
from fintech_ui.services import throttle

if TYPE_CHECKING:
    from conftest import ApiUser

NEW_PASSWORD = "Lantern-Harbour-9731"


def _balance(client: TestClient, user: ApiUser) -> int:
    return client.get("/account", headers=user.headers).json()["balance_cents"]


def _deposit(client: TestClient, user: ApiUser, amount: str, key: str | None):
    headers = dict(user.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/account/deposits", json={"amount": amount}, headers=headers)


# --- deposits: one credit per Idempotency-Key (defect 6) -------------------------------


def test_a_replayed_deposit_credits_once(client: TestClient, user: ApiUser) -> None:
    first = _deposit(client, user, "25.00", "deposit-1")
    again = _deposit(client, user, "25.00", "deposit-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert _balance(client, user) == 2_500


def test_a_replayed_deposit_answers_like_the_first(client: TestClient, user: ApiUser) -> None:
    first = _deposit(client, user, "25.00", "deposit-1").json()
    assert _deposit(client, user, "25.00", "deposit-1").json() == first


def test_two_keys_are_two_deposits(client: TestClient, user: ApiUser) -> None:
    _deposit(client, user, "25.00", "deposit-1")
    _deposit(client, user, "25.00", "deposit-2")
    assert _balance(client, user) == 5_000


def test_a_key_reused_for_another_amount_is_a_conflict(client: TestClient, user: ApiUser) -> None:
    _deposit(client, user, "25.00", "deposit-1")
    response = _deposit(client, user, "30.00", "deposit-1")
    assert response.status_code == 409
    assert _balance(client, user) == 2_500


@pytest.mark.parametrize("key", ["", "has space", "x" * 65, "a/b"])
def test_a_malformed_key_is_refused(client: TestClient, user: ApiUser, key: str) -> None:
    response = _deposit(client, user, "25.00", key)
    assert response.status_code == 422
    assert _balance(client, user) == 0


def test_a_deposit_without_a_key_still_works(client: TestClient, user: ApiUser) -> None:
    assert _deposit(client, user, "1.00", None).status_code == 201
    assert _deposit(client, user, "1.00", None).status_code == 201
    assert _balance(client, user) == 200


# --- checkout of the cart version read (defect 4) ---------------------------------------


@pytest.fixture
def cart_of(
    client: TestClient,
    user: ApiUser,
    make_item: Callable[..., int],
    fund: Callable[[ApiUser, int], None],
) -> dict[str, Any]:
    """`user` with $100.00 and 2 × $1.00 in the cart."""
    fund(user, 10_000)
    item = make_item(price_cents=100, stock=100)
    client.post("/cart/items", json={"item_id": item, "quantity": 2}, headers=user.headers)
    return {"user": user, "item": item}


def _checkout(client: TestClient, user: ApiUser, body: dict[str, Any]):
    headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
    return client.post("/checkout", json=body, headers=headers)


def test_cart_json_has_a_version(client: TestClient, cart_of: dict[str, Any]) -> None:
    version = client.get("/cart", headers=cart_of["user"].headers).json()["version"]
    assert isinstance(version, str) and version


def test_checkout_with_the_version_read_buys(client: TestClient, cart_of: dict[str, Any]) -> None:
    user = cart_of["user"]
    version = client.get("/cart", headers=user.headers).json()["version"]
    response = _checkout(client, user, {"cart_version": version})
    assert response.status_code == 201
    assert response.json()["total_cents"] == 200


def test_checkout_of_a_cart_changed_since_it_was_read_is_a_conflict(
    client: TestClient, cart_of: dict[str, Any]
) -> None:
    user = cart_of["user"]
    version = client.get("/cart", headers=user.headers).json()["version"]
    # Another window raises the quantity to 50: $50.00 nobody looked at.
    client.post(
        "/cart/items", json={"item_id": cart_of["item"], "quantity": 48}, headers=user.headers
    )
    response = _checkout(client, user, {"cart_version": version})
    assert response.status_code == 409
    assert "changed in another window" in response.json()["message"]
    assert _balance(client, user) == 10_000


@pytest.mark.parametrize("version", [5, "", "x" * 65, None])
def test_checkout_refuses_a_malformed_version(
    client: TestClient, cart_of: dict[str, Any], version: object
) -> None:
    user = cart_of["user"]
    response = _checkout(client, user, {"cart_version": version})
    assert response.status_code == (201 if version is None else 422)


# --- registration throttled, password pool bounded (defect 7) -----------------------------


def test_registration_flood_from_one_address_is_told_to_wait(client: TestClient) -> None:
    with session_scope() as db:
        for _ in range(throttle.REGISTER.free_failures):
            throttle.record_registration(db, address="testclient", now=int(time.time()))
    response = client.post(
        "/register", json={"username": "u" + uuid.uuid4().hex[:10], "password": NEW_PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_a_full_password_pool_answers_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(*_args: Any, **_kwargs: Any) -> Any:
        raise fintech_db.Busy(retry_after=3)

    monkeypatch.setattr("fintech_ui.api.routes.auth.run", busy)
    response = client.post("/login", auth=("anyone", "whatever-password"))
    assert (response.status_code, response.headers["retry-after"]) == (503, "3")


# --- password change and sessions (features) ------------------------------------------


def _second_token(client: TestClient, user: ApiUser, password: str | None = None) -> str:
    response = client.post("/login", auth=(user.username, password or user.password))
    assert response.status_code == 200, response.text
    return response.json()["token"]


def _works(client: TestClient, token: str) -> bool:
    return client.get("/account", headers={"x-access-tokens": token}).status_code == 200


def _change(client: TestClient, user: ApiUser, current: str, new: str = NEW_PASSWORD):
    body = {"current_password": current, "new_password": new}
    return client.post("/account/password", json=body, headers=user.headers)


def test_password_change_answers_200(client: TestClient, user: ApiUser) -> None:
    response = _change(client, user, user.password)
    assert response.status_code == 200
    assert response.json()["message"] == "Password changed"


def test_password_change_ends_every_other_token(client: TestClient, user: ApiUser) -> None:
    other = _second_token(client, user)
    _change(client, user, user.password)
    assert not _works(client, other)
    assert _works(client, user.token)


def test_new_password_logs_in_and_the_old_one_no_longer(client: TestClient, user: ApiUser) -> None:
    _change(client, user, user.password)
    assert client.post("/login", auth=(user.username, NEW_PASSWORD)).status_code == 200
    assert client.post("/login", auth=(user.username, user.password)).status_code == 401


def test_wrong_current_password_changes_nothing(client: TestClient, user: ApiUser) -> None:
    other = _second_token(client, user)
    response = _change(client, user, "not-the-password-at-all")
    assert response.status_code == 422
    assert _works(client, other)


def test_new_password_must_pass_the_policy(client: TestClient, user: ApiUser) -> None:
    assert _change(client, user, user.password, new="short").status_code == 422


def test_sessions_list_every_live_token_and_marks_this_one(
    client: TestClient, user: ApiUser
) -> None:
    _second_token(client, user)
    sessions = client.get("/account/sessions", headers=user.headers).json()["sessions"]
    assert len(sessions) == 2
    assert [s["this_device"] for s in sessions].count(True) == 1
    assert {s["kind"] for s in sessions} == {"api"}
    assert all(s["address"] == "testclient" for s in sessions)


def test_deleting_a_session_ends_that_token(client: TestClient, user: ApiUser) -> None:
    other = _second_token(client, user)
    sessions = client.get("/account/sessions", headers=user.headers).json()["sessions"]
    target = next(s["id"] for s in sessions if not s["this_device"])
    response = client.delete(f"/account/sessions/{target}", headers=user.headers)
    assert response.status_code == 200
    assert not _works(client, other) and _works(client, user.token)


def test_deleting_someone_elses_session_is_404(
    client: TestClient, user: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    stranger = make_user()
    theirs = client.get("/account/sessions", headers=stranger.headers).json()["sessions"][0]["id"]
    response = client.delete(f"/account/sessions/{theirs}", headers=user.headers)
    assert response.status_code == 404
    assert _works(client, stranger.token)


def test_sessions_need_a_token(client: TestClient) -> None:
    assert client.get("/account/sessions").status_code == 401
