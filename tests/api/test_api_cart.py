"""The cart endpoints: happy paths, and hostile input that must change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

if TYPE_CHECKING:
    from conftest import ApiUser

QUANTITY_RULE = "Quantity must be a whole number from 1 to 50."


@pytest.fixture
def item_id(make_item: Callable[..., int]) -> int:
    """A product on sale: 12.34 each, 20 in stock."""
    return make_item(price_cents=1234, stock=20)


@pytest.fixture
def cart_with_two(client: TestClient, user: ApiUser, item_id: int) -> dict[str, Any]:
    """`user`'s cart holding two units of `item_id`, as GET /cart shows it."""
    response = client.post(
        "/cart/items", json={"item_id": item_id, "quantity": 2}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return client.get("/cart", headers=user.headers).json()


def _cart(client: TestClient, user: ApiUser) -> dict[str, Any]:
    response = client.get("/cart", headers=user.headers)
    assert response.status_code == 200
    return response.json()


def _assert_refused(response, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["message"], str) and response.json()["message"]


def test_new_users_cart_is_empty(client: TestClient, user: ApiUser) -> None:
    cart = _cart(client, user)
    assert cart.pop("version")
    assert cart == {"items": [], "count": 0, "total": "0.00", "total_cents": 0}


def test_add_item_answers_201_with_the_cart(
    client: TestClient, user: ApiUser, item_id: int
) -> None:
    response = client.post(
        "/cart/items", json={"item_id": item_id, "quantity": 3}, headers=user.headers
    )

    assert response.status_code == 201
    body = response.json()
    [line] = body["items"]
    assert line["item_id"] == item_id
    assert line["quantity"] == 3
    assert (line["unit_price"], line["unit_price_cents"]) == ("12.34", 1234)
    assert (line["line_total"], line["line_total_cents"]) == ("37.02", 3702)
    assert line["price_changed"] is False
    assert (body["count"], body["total"], body["total_cents"]) == (3, "37.02", 3702)


def test_add_item_without_quantity_adds_one(
    client: TestClient, user: ApiUser, item_id: int
) -> None:
    response = client.post("/cart/items", json={"item_id": item_id}, headers=user.headers)

    assert response.status_code == 201
    assert response.json()["items"][0]["quantity"] == 1


def test_adding_the_same_item_again_adds_up_quantities(
    client: TestClient, user: ApiUser, item_id: int, cart_with_two: dict[str, Any]
) -> None:
    response = client.post(
        "/cart/items", json={"item_id": item_id, "quantity": 5}, headers=user.headers
    )

    assert response.status_code == 201
    assert [line["quantity"] for line in response.json()["items"]] == [7]


def test_cart_is_the_same_through_get_after_add(
    client: TestClient, user: ApiUser, item_id: int
) -> None:
    added = client.post("/cart/items", json={"item_id": item_id}, headers=user.headers).json()

    assert _cart(client, user) == added


def test_carts_of_two_users_are_separate(
    client: TestClient, make_user: Callable[..., ApiUser], item_id: int
) -> None:
    alice, bob = make_user(), make_user()
    client.post("/cart/items", json={"item_id": item_id}, headers=alice.headers)

    assert _cart(client, bob)["items"] == []


def test_patch_sets_the_quantity(
    client: TestClient, user: ApiUser, item_id: int, cart_with_two: dict[str, Any]
) -> None:
    response = client.patch(f"/cart/items/{item_id}", json={"quantity": 5}, headers=user.headers)

    assert response.status_code == 200
    assert response.json()["items"][0]["quantity"] == 5
    assert response.json()["total"] == "61.70"


def test_delete_removes_the_line(
    client: TestClient, user: ApiUser, item_id: int, cart_with_two: dict[str, Any]
) -> None:
    response = client.delete(f"/cart/items/{item_id}", headers=user.headers)

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert _cart(client, user)["items"] == []


def test_accept_prices_after_price_change_clears_price_changed(
    client: TestClient,
    user: ApiUser,
    item_id: int,
    cart_with_two: dict[str, Any],
    set_item: Callable[..., None],
) -> None:
    set_item(item_id, price_cents=1500)
    assert _cart(client, user)["items"][0]["price_changed"] is True

    response = client.post("/cart/accept-prices", headers=user.headers)

    assert response.status_code == 200
    [line] = response.json()["items"]
    assert (line["price_changed"], line["seen_price_cents"]) == (False, 1500)


HOSTILE_QUANTITIES = [
    pytest.param(-1, id="negative"),
    pytest.param(0, id="zero"),
    pytest.param(1.5, id="fraction"),
    pytest.param(2.0, id="float-whole"),
    pytest.param("abc", id="text"),
    pytest.param("2", id="numeric-text"),
    pytest.param(True, id="true"),
    pytest.param(None, id="null"),
    pytest.param([2], id="list"),
    pytest.param(10**12, id="huge"),
    pytest.param(10**30, id="beyond-int64"),
    pytest.param(51, id="over-limit"),
]


@pytest.mark.parametrize("quantity", HOSTILE_QUANTITIES)
def test_add_with_hostile_quantity_answers_422_and_leaves_cart_unchanged(
    client: TestClient,
    user: ApiUser,
    item_id: int,
    cart_with_two: dict[str, Any],
    quantity: object,
) -> None:
    response = client.post(
        "/cart/items", json={"item_id": item_id, "quantity": quantity}, headers=user.headers
    )

    _assert_refused(response)
    assert response.json()["message"].startswith("Invalid value for quantity:")
    assert _cart(client, user) == cart_with_two


@pytest.mark.parametrize("quantity", HOSTILE_QUANTITIES)
def test_patch_with_hostile_quantity_answers_422_and_leaves_cart_unchanged(
    client: TestClient,
    user: ApiUser,
    item_id: int,
    cart_with_two: dict[str, Any],
    quantity: object,
) -> None:
    response = client.patch(
        f"/cart/items/{item_id}", json={"quantity": quantity}, headers=user.headers
    )

    _assert_refused(response)
    assert response.json()["message"].startswith("Invalid value for quantity:")
    assert _cart(client, user) == cart_with_two


@pytest.mark.parametrize(
    ("make_body", "message"),
    [
        pytest.param(
            lambda item: {"item_id": item, "quantity": 1, "price_cents": 1},
            "Unexpected field: price_cents.",
            id="extra-price_cents",
        ),
        pytest.param(lambda item: {"quantity": 1}, "Missing field: item_id.", id="no-item_id"),
        pytest.param(lambda item: {"item_id": str(item)}, None, id="text-item_id"),
        pytest.param(lambda item: {"item_id": float(item)}, None, id="float-item_id"),
        pytest.param(lambda item: {"item_id": True}, None, id="true-item_id"),
        pytest.param(lambda item: {"item_id": 0}, None, id="zero-item_id"),
        pytest.param(lambda item: {"item_id": -item}, None, id="negative-item_id"),
        pytest.param(lambda item: {"item_id": 2**31}, None, id="item_id-beyond-int32"),
    ],
)
def test_add_with_hostile_body_answers_422_and_leaves_cart_unchanged(
    client: TestClient,
    user: ApiUser,
    cart_with_two: dict[str, Any],
    item_id: int,
    make_body: Callable[[int], dict[str, Any]],
    message: str | None,
) -> None:
    response = client.post("/cart/items", json=make_body(item_id), headers=user.headers)

    _assert_refused(response)
    if message is not None:
        assert response.json()["message"] == message
    assert _cart(client, user) == cart_with_two


def test_add_with_price_cents_does_not_set_the_price(
    client: TestClient, user: ApiUser, item_id: int
) -> None:
    client.post(
        "/cart/items",
        json={"item_id": item_id, "quantity": 1, "price_cents": 1},
        headers=user.headers,
    )

    assert _cart(client, user)["total_cents"] == 0


def test_add_unknown_item_answers_422_not_available(client: TestClient, user: ApiUser) -> None:
    response = client.post("/cart/items", json={"item_id": 2**31 - 1}, headers=user.headers)

    assert response.status_code == 422
    assert response.json() == {"message": "That product is not available."}
    assert _cart(client, user)["items"] == []


def test_add_inactive_item_answers_422_not_available(
    client: TestClient, user: ApiUser, make_item: Callable[..., int]
) -> None:
    retired = make_item(active=False)

    response = client.post("/cart/items", json={"item_id": retired}, headers=user.headers)

    assert response.status_code == 422
    assert response.json() == {"message": "That product is not available."}
    assert _cart(client, user)["items"] == []


def test_add_more_than_in_stock_answers_422_naming_the_stock(
    client: TestClient, user: ApiUser, make_item: Callable[..., int]
) -> None:
    scarce = make_item("Scarce Api Fund", stock=3)

    response = client.post(
        "/cart/items", json={"item_id": scarce, "quantity": 4}, headers=user.headers
    )

    assert response.status_code == 422
    assert response.json() == {"message": "Only 3 units of Scarce Api Fund are in stock."}
    assert _cart(client, user)["items"] == []


def test_add_out_of_stock_item_answers_422(
    client: TestClient, user: ApiUser, make_item: Callable[..., int]
) -> None:
    empty = make_item("Empty Api Fund", stock=0)

    response = client.post("/cart/items", json={"item_id": empty}, headers=user.headers)

    assert response.status_code == 422
    assert response.json() == {"message": "Empty Api Fund is out of stock."}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        pytest.param(b"[1, 2]", 422, id="array"),
        pytest.param(b"7", 422, id="number"),
        pytest.param(b"{not json", 400, id="invalid-json"),
        pytest.param(b"", 422, id="empty"),
    ],
)
def test_add_with_non_object_body_answers_4xx_json_and_leaves_cart_unchanged(
    client: TestClient,
    user: ApiUser,
    cart_with_two: dict[str, Any],
    raw: bytes,
    status: int,
) -> None:
    response = client.post(
        "/cart/items",
        content=raw,
        headers={**user.headers, "Content-Type": "application/json"},
    )

    _assert_refused(response, status)
    assert _cart(client, user) == cart_with_two


def test_patch_item_not_in_cart_answers_422(
    client: TestClient, user: ApiUser, item_id: int
) -> None:
    response = client.patch(f"/cart/items/{item_id}", json={"quantity": 1}, headers=user.headers)

    assert response.status_code == 422
    assert response.json()["message"].endswith("is not in your cart.")


def test_patch_with_extra_field_answers_422_and_leaves_cart_unchanged(
    client: TestClient, user: ApiUser, item_id: int, cart_with_two: dict[str, Any]
) -> None:
    response = client.patch(
        f"/cart/items/{item_id}",
        json={"quantity": 3, "price_cents": 1},
        headers=user.headers,
    )

    assert response.status_code == 422
    assert response.json() == {"message": "Unexpected field: price_cents."}
    assert _cart(client, user) == cart_with_two


def test_patch_above_stock_answers_422_and_leaves_cart_unchanged(
    client: TestClient, user: ApiUser, item_id: int, cart_with_two: dict[str, Any]
) -> None:
    response = client.patch(f"/cart/items/{item_id}", json={"quantity": 21}, headers=user.headers)

    assert response.status_code == 422
    assert "in stock" in response.json()["message"]
    assert _cart(client, user) == cart_with_two


@pytest.mark.parametrize(
    "path_id",
    ["abc", "1.5", "-1", "0", "99999999999999999999999999", "2147483648", "%00"],
)
def test_patch_with_bad_path_id_answers_422_and_leaves_cart_unchanged(
    client: TestClient, user: ApiUser, cart_with_two: dict[str, Any], path_id: str
) -> None:
    response = client.patch(f"/cart/items/{path_id}", json={"quantity": 1}, headers=user.headers)

    _assert_refused(response)
    assert _cart(client, user) == cart_with_two


@pytest.mark.parametrize(
    "path_id",
    ["abc", "1.5", "-1", "0", "99999999999999999999999999", "2147483648", "%00"],
)
def test_delete_with_bad_path_id_answers_422_and_leaves_cart_unchanged(
    client: TestClient, user: ApiUser, cart_with_two: dict[str, Any], path_id: str
) -> None:
    response = client.delete(f"/cart/items/{path_id}", headers=user.headers)

    _assert_refused(response)
    assert _cart(client, user) == cart_with_two


def test_delete_item_not_in_cart_answers_422(
    client: TestClient, user: ApiUser, make_item: Callable[..., int], cart_with_two: dict[str, Any]
) -> None:
    elsewhere = make_item()

    response = client.delete(f"/cart/items/{elsewhere}", headers=user.headers)

    assert response.status_code == 422
    assert response.json() == {"message": "That product is not in your cart."}
    assert _cart(client, user) == cart_with_two


def test_delete_of_another_users_line_leaves_their_cart_alone(
    client: TestClient,
    make_user: Callable[..., ApiUser],
    item_id: int,
) -> None:
    owner, intruder = make_user(), make_user()
    client.post("/cart/items", json={"item_id": item_id}, headers=owner.headers)

    response = client.delete(f"/cart/items/{item_id}", headers=intruder.headers)

    assert response.status_code == 422
    assert len(_cart(client, owner)["items"]) == 1


def test_delete_of_line_whose_product_was_retired_succeeds(
    client: TestClient,
    user: ApiUser,
    item_id: int,
    cart_with_two: dict[str, Any],
    set_item: Callable[..., None],
) -> None:
    set_item(item_id, is_active=False)

    response = client.delete(f"/cart/items/{item_id}", headers=user.headers)

    assert response.status_code == 200
    assert response.json()["items"] == []
