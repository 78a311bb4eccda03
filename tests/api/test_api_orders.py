"""GET /orders and GET /orders/{id}: a user sees their own orders and nobody else's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

if TYPE_CHECKING:
    from conftest import ApiUser


@pytest.fixture
def buy(
    client: TestClient, make_item: Callable[..., int], fund: Callable[[ApiUser, int], None]
) -> Callable[..., dict[str, Any]]:
    """`buy(user, price_cents=..., quantity=...)`: fund, fill the cart and check out; the order."""

    def _buy(user: ApiUser, *, price_cents: int = 500, quantity: int = 1) -> dict[str, Any]:
        fund(user, price_cents * quantity)
        item_id = make_item(price_cents=price_cents)
        client.post(
            "/cart/items", json={"item_id": item_id, "quantity": quantity}, headers=user.headers
        )
        response = client.post(
            "/checkout", headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return _buy


def test_new_user_has_no_orders(client: TestClient, user: ApiUser) -> None:
    response = client.get("/orders", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == {"orders": []}


def test_orders_lists_the_users_orders_newest_first(
    client: TestClient, user: ApiUser, buy: Callable[..., dict[str, Any]]
) -> None:
    first, second = buy(user, price_cents=100), buy(user, price_cents=200)

    response = client.get("/orders", headers=user.headers)

    assert [order["id"] for order in response.json()["orders"]] == [second["id"], first["id"]]


def test_order_in_list_has_lines_and_decimal_totals(
    client: TestClient, user: ApiUser, buy: Callable[..., dict[str, Any]]
) -> None:
    buy(user, price_cents=1999, quantity=3)

    [order] = client.get("/orders", headers=user.headers).json()["orders"]

    assert (order["total"], order["total_cents"]) == ("59.97", 5997)
    [line] = order["lines"]
    assert (line["quantity"], line["unit_price"], line["line_total"]) == (3, "19.99", "59.97")


def test_order_detail_answers_the_same_order_as_checkout(
    client: TestClient, user: ApiUser, buy: Callable[..., dict[str, Any]]
) -> None:
    order = buy(user)

    response = client.get(f"/orders/{order['id']}", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == order


def test_another_users_order_answers_404(
    client: TestClient, make_user: Callable[..., ApiUser], buy: Callable[..., dict[str, Any]]
) -> None:
    owner, other = make_user(), make_user()
    order = buy(owner)

    response = client.get(f"/orders/{order['id']}", headers=other.headers)

    assert response.status_code == 404
    assert response.json() == {"message": "Order not found."}


def test_another_users_orders_are_not_listed(
    client: TestClient, make_user: Callable[..., ApiUser], buy: Callable[..., dict[str, Any]]
) -> None:
    owner, other = make_user(), make_user()
    buy(owner)

    assert client.get("/orders", headers=other.headers).json() == {"orders": []}


@pytest.mark.parametrize("order_id", ["2147483647", "0", "-1", "99999999999999999999999"])
def test_nonexistent_order_answers_404(client: TestClient, user: ApiUser, order_id: str) -> None:
    response = client.get(f"/orders/{order_id}", headers=user.headers)

    assert response.status_code == 404
    assert response.json() == {"message": "Order not found."}


@pytest.mark.parametrize("order_id", ["abc", "1.5", "1e3"])
def test_non_integer_order_id_answers_422(client: TestClient, user: ApiUser, order_id: str) -> None:
    response = client.get(f"/orders/{order_id}", headers=user.headers)

    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid value for path.order_id:")
