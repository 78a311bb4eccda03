"""POST /checkout with an Idempotency-Key: one order and one debit per key, whatever happens."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from fintech_ui.api import api
from fintech_ui.db import session_scope
from fintech_ui.models import Item

if TYPE_CHECKING:
    from conftest import ApiUser


@pytest.fixture
def key() -> str:
    """A fresh idempotency key."""
    return f"checkout-{uuid.uuid4().hex}"


@pytest.fixture
def shopper(
    client: TestClient,
    user: ApiUser,
    make_item: Callable[..., int],
    fund: Callable[[ApiUser, int], None],
) -> dict[str, Any]:
    """`user` with 100.00 and a cart of 2 × 12.50 (item `a`) and 1 × 30.00 (item `b`)."""
    fund(user, 10_000)
    a = make_item(price_cents=1250, stock=10)
    b = make_item(price_cents=3000, stock=5)
    for item_id, quantity in ((a, 2), (b, 1)):
        added = client.post(
            "/cart/items", json={"item_id": item_id, "quantity": quantity}, headers=user.headers
        )
        assert added.status_code == 201, added.text
    return {"user": user, "a": a, "b": b}


def _checkout(
    client: TestClient, user: ApiUser, key: str | None, body: dict[str, Any] | None = None
):
    headers = dict(user.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/checkout", json=body, headers=headers)


def _account(client: TestClient, user: ApiUser) -> dict[str, Any]:
    return client.get("/account", headers=user.headers).json()


def _purchases(client: TestClient, user: ApiUser) -> list[dict[str, Any]]:
    return [e for e in _account(client, user)["statement"] if e["kind"] == "purchase"]


def test_checkout_answers_201_with_the_order(
    client: TestClient, shopper: dict[str, Any], key: str
) -> None:
    response = _checkout(client, shopper["user"], key)

    assert response.status_code == 201
    order = response.json()
    assert type(order["id"]) is int
    assert (order["total"], order["total_cents"]) == ("55.00", 5500)
    lines = {line["item_id"]: line for line in order["lines"]}
    assert set(lines) == {shopper["a"], shopper["b"]}
    assert (lines[shopper["a"]]["quantity"], lines[shopper["a"]]["line_total"]) == (2, "25.00")


def test_checkout_debits_the_total_and_empties_the_cart(
    client: TestClient, shopper: dict[str, Any], key: str
) -> None:
    user = shopper["user"]

    _checkout(client, user, key)

    assert _account(client, user)["balance"] == "45.00"
    assert client.get("/cart", headers=user.headers).json()["items"] == []


def test_checkout_reduces_stock(client: TestClient, shopper: dict[str, Any], key: str) -> None:
    _checkout(client, shopper["user"], key)

    with session_scope(read_only=True) as db:
        stock = {item_id: db.get(Item, item_id).stock for item_id in (shopper["a"], shopper["b"])}
    assert stock == {shopper["a"]: 8, shopper["b"]: 4}


def test_same_key_again_answers_the_same_order(
    client: TestClient, shopper: dict[str, Any], key: str
) -> None:
    first = _checkout(client, shopper["user"], key)

    second = _checkout(client, shopper["user"], key)

    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]


def test_same_key_again_debits_only_once(
    client: TestClient, shopper: dict[str, Any], key: str
) -> None:
    user = shopper["user"]

    for _ in range(3):
        _checkout(client, user, key)

    assert len(_purchases(client, user)) == 1
    assert _account(client, user)["balance_cents"] == 4500
    assert len(client.get("/orders", headers=user.headers).json()["orders"]) == 1


@pytest.fixture
def twin_responses(shopper: dict[str, Any], key: str) -> list[Any]:
    """Two checkouts with the same key sent at the same moment from two connections."""
    barrier = threading.Barrier(2)

    def attempt(_: int):
        with TestClient(api, raise_server_exceptions=False) as own_client:
            barrier.wait(timeout=10)
            return _checkout(own_client, shopper["user"], key)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(attempt, range(2)))


def test_simultaneous_twins_with_one_key_answer_the_same_order(
    twin_responses: list[Any],
) -> None:
    assert [r.status_code for r in twin_responses] == [201, 201]
    assert twin_responses[0].json()["id"] == twin_responses[1].json()["id"]


def test_simultaneous_twins_with_one_key_debit_once(
    client: TestClient, shopper: dict[str, Any], twin_responses: list[Any]
) -> None:
    user = shopper["user"]

    assert len(_purchases(client, user)) == 1
    assert _account(client, user)["balance_cents"] == 4500


def test_same_key_with_a_different_cart_answers_409(
    client: TestClient, shopper: dict[str, Any], key: str, make_item: Callable[..., int]
) -> None:
    user = shopper["user"]
    _checkout(client, user, key)
    client.post("/cart/items", json={"item_id": make_item(price_cents=100)}, headers=user.headers)

    response = _checkout(client, user, key)

    assert response.status_code == 409
    assert response.json() == {
        "message": "This checkout request was already used for a different purchase."
    }
    assert len(_purchases(client, user)) == 1


def test_a_new_key_buys_again(
    client: TestClient, shopper: dict[str, Any], key: str, make_item: Callable[..., int]
) -> None:
    user = shopper["user"]
    first = _checkout(client, user, key)
    client.post("/cart/items", json={"item_id": make_item(price_cents=100)}, headers=user.headers)

    second = _checkout(client, user, key + "-2")

    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    "bad_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("short", id="short"),
        pytest.param("k" * 65, id="too-long"),
        pytest.param("has space in it", id="space"),
    ],
)
def test_missing_or_malformed_key_answers_422_and_buys_nothing(
    client: TestClient, shopper: dict[str, Any], bad_key: str | None
) -> None:
    user = shopper["user"]

    response = _checkout(client, user, bad_key)

    assert response.status_code == 422
    assert response.json() == {"message": "Missing or malformed idempotency key."}
    assert _purchases(client, user) == []
    assert len(client.get("/cart", headers=user.headers).json()["items"]) == 2


def test_not_enough_money_answers_422_naming_total_and_balance(
    client: TestClient, user: ApiUser, make_item: Callable[..., int], key: str
) -> None:
    client.post(
        "/cart/items",
        json={"item_id": make_item(price_cents=2500), "quantity": 2},
        headers=user.headers,
    )

    response = _checkout(client, user, key)

    assert response.status_code == 422
    assert response.json() == {
        "message": "Not enough money: the total is $50.00 but your balance is $0.00."
    }
    assert len(client.get("/cart", headers=user.headers).json()["items"]) == 1


def test_empty_cart_answers_422(client: TestClient, user: ApiUser, key: str) -> None:
    response = _checkout(client, user, key)

    assert response.status_code == 422
    assert response.json() == {"message": "Your cart is empty."}


def test_body_with_item_id_buys_only_that_line(
    client: TestClient, shopper: dict[str, Any], key: str
) -> None:
    user = shopper["user"]

    response = _checkout(client, user, key, {"item_id": shopper["b"]})

    assert response.status_code == 201
    assert [line["item_id"] for line in response.json()["lines"]] == [shopper["b"]]
    assert response.json()["total"] == "30.00"
    left = client.get("/cart", headers=user.headers).json()["items"]
    assert [line["item_id"] for line in left] == [shopper["a"]]


def test_item_id_not_in_cart_answers_422(
    client: TestClient, shopper: dict[str, Any], key: str, make_item: Callable[..., int]
) -> None:
    response = _checkout(client, shopper["user"], key, {"item_id": make_item()})

    assert response.status_code == 422
    assert response.json() == {"message": "That product is not in your cart."}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"item_id": "1"}, id="text-item_id"),
        pytest.param({"item_id": 1.5}, id="float-item_id"),
        pytest.param({"item_id": 0}, id="zero-item_id"),
        pytest.param({"item_id": 2**31}, id="huge-item_id"),
        pytest.param({"total_cents": 1}, id="extra-field"),
        pytest.param([1], id="array"),
    ],
)
def test_hostile_body_answers_422_and_buys_nothing(
    client: TestClient, shopper: dict[str, Any], key: str, body: Any
) -> None:
    user = shopper["user"]

    response = _checkout(client, user, key, body)

    assert response.status_code == 422
    assert isinstance(response.json()["message"], str)
    assert _purchases(client, user) == []


def test_price_change_since_added_answers_409_until_accepted(
    client: TestClient,
    shopper: dict[str, Any],
    key: str,
    set_item: Callable[..., None],
) -> None:
    user = shopper["user"]
    set_item(shopper["a"], price_cents=1300)

    refused = _checkout(client, user, key)
    client.post("/cart/accept-prices", headers=user.headers)
    accepted = _checkout(client, user, key)

    assert refused.status_code == 409
    assert refused.json() == {
        "message": "Prices changed since you added these products. Confirm the new total."
    }
    assert accepted.status_code == 201
    assert accepted.json()["total"] == "56.00"


def test_checkout_of_more_than_the_stock_left_answers_422(
    client: TestClient, shopper: dict[str, Any], key: str, set_item: Callable[..., None]
) -> None:
    set_item(shopper["a"], stock=1)

    response = _checkout(client, shopper["user"], key)

    assert response.status_code == 422
    assert response.json()["message"].startswith("Not enough stock:")
    assert _purchases(client, shopper["user"]) == []


def test_checkout_of_retired_product_answers_422(
    client: TestClient, shopper: dict[str, Any], key: str, set_item: Callable[..., None]
) -> None:
    set_item(shopper["b"], is_active=False)

    response = _checkout(client, shopper["user"], key)

    assert response.status_code == 422
    assert response.json()["message"].endswith("is no longer available. Remove it to continue.")
