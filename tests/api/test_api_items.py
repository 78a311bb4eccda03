"""GET /items: the catalogue with search, category, sort and pages; bad parameters are 422."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

ITEM_KEYS = {"id", "name", "category", "price", "price_cents", "stock"}
_CONTROL = "Search must not contain control characters."


@pytest.fixture
def tag() -> str:
    """A word only this test's products carry, so searches see nothing else."""
    return "zq" + uuid.uuid4().hex[:10]


@pytest.fixture
def three_items(make_item: Callable[..., int], tag: str) -> dict[str, int]:
    """Three products named after `tag`.

    By name: middle, dear, cheap. By price: cheap, middle, dear.
    """
    return {
        "cheap": make_item(f"C {tag} Cheap Bond", price_cents=150, category="bond", stock=7),
        "middle": make_item(f"A {tag} Middle Fund", price_cents=8615, category="fund", stock=3),
        "dear": make_item(f"B {tag} Dear Fund", price_cents=990000, category="fund", stock=0),
    }


def _names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def test_items_without_login_answers_200_with_paging_fields(client: TestClient) -> None:
    response = client.get("/items")

    assert response.status_code == 200
    body = response.json()
    assert {"items", "total", "page", "pages"} <= set(body)
    assert body["page"] == 1


def test_each_item_has_id_name_category_decimal_price_cents_and_stock(
    client: TestClient, make_item: Callable[..., int], tag: str
) -> None:
    item_id = make_item(f"{tag} Shape Fund", price_cents=8615, stock=4, category="fund")

    response = client.get("/items", params={"search": tag})

    [item] = response.json()["items"]
    assert set(item) >= ITEM_KEYS
    assert item["id"] == item_id
    assert item["name"] == f"{tag} Shape Fund"
    assert item["category"] == "fund"
    assert item["price"] == "86.15"
    assert item["price_cents"] == 8615
    assert item["stock"] == 4


@pytest.mark.parametrize(
    ("cents", "price"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (123456789, "1234567.89")],
)
def test_item_price_is_an_exact_two_decimal_string(
    client: TestClient, make_item: Callable[..., int], tag: str, cents: int, price: str
) -> None:
    make_item(f"{tag} Price Fund", price_cents=cents)

    [item] = client.get("/items", params={"search": tag}).json()["items"]

    assert item["price"] == price


def test_search_matches_part_of_the_name_ignoring_case(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    response = client.get("/items", params={"search": f"{tag.upper()} MIDDLE"})

    assert _names(response) == [f"A {tag} Middle Fund"]


def test_search_treats_percent_and_underscore_literally(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    response = client.get("/items", params={"search": f"{tag}%_"})

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_category_filter_keeps_only_that_category(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    response = client.get("/items", params={"search": tag, "category": "bond"})

    assert _names(response) == [f"C {tag} Cheap Bond"]


def test_inactive_items_are_not_listed(
    client: TestClient, make_item: Callable[..., int], tag: str
) -> None:
    make_item(f"{tag} Retired Fund", active=False)

    response = client.get("/items", params={"search": tag})

    assert response.json()["items"] == []
    assert response.json()["total"] == 0


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["middle", "dear", "cheap"]),
        ("price", ["cheap", "middle", "dear"]),
        ("price_desc", ["dear", "middle", "cheap"]),
    ],
)
def test_sort_orders_the_items(
    client: TestClient, three_items: dict[str, int], tag: str, sort: str, order: list[str]
) -> None:
    response = client.get("/items", params={"search": tag, "sort": sort})

    assert [item["id"] for item in response.json()["items"]] == [three_items[k] for k in order]


def test_per_page_and_page_select_a_slice(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    response = client.get(
        "/items", params={"search": tag, "sort": "price", "per_page": 2, "page": 2}
    )

    body = response.json()
    assert [item["id"] for item in body["items"]] == [three_items["dear"]]
    assert (body["total"], body["page"], body["pages"]) == (3, 2, 2)


def test_cursors_answer_the_pages_beside_a_page(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    params = {"search": tag, "sort": "price", "per_page": 2}
    first = client.get("/items", params=params).json()
    second = client.get("/items", params={**params, "cursor": first["next_cursor"]}).json()
    back = client.get("/items", params={**params, "cursor": second["previous_cursor"]}).json()

    assert (first["previous_cursor"], second["next_cursor"]) == (None, None)
    assert [item["id"] for item in second["items"]] == [three_items["dear"]]
    assert (second["page"], second["pages"], second["total"]) == (2, 2, 3)
    assert back == first


@pytest.mark.parametrize(
    ("cursor", "sort", "message"),
    [
        ("garbage", "name", "That page link is not valid."),
        ("W10", "name", "That page link is not valid."),
        ("WyJuYW1lIiwxLDIsImEiLDFd", "price", "That page link belongs to another sort order."),
    ],
)
def test_bad_cursor_answers_422_with_its_message(
    client: TestClient, cursor: str, sort: str, message: str
) -> None:
    response = client.get("/items", params={"cursor": cursor, "sort": sort})

    assert response.status_code == 422
    assert response.json() == {"message": message}


def test_page_past_the_end_answers_the_last_page(
    client: TestClient, three_items: dict[str, int], tag: str
) -> None:
    response = client.get("/items", params={"search": tag, "per_page": 2, "page": 99})

    assert response.status_code == 200
    assert response.json()["page"] == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"page": "0"}, "Page must be a whole number from 1.", id="page-0"),
        pytest.param({"page": "-3"}, "Page must be a whole number from 1.", id="page-negative"),
        pytest.param({"page": "9" * 30}, "Page must be a whole number from 1.", id="page-huge"),
        pytest.param(
            {"per_page": "0"}, "Page size must be a whole number from 1 to 100.", id="per-page-0"
        ),
        pytest.param(
            {"per_page": "101"},
            "Page size must be a whole number from 1 to 100.",
            id="per-page-101",
        ),
        pytest.param({"sort": "id; DROP TABLE items"}, "Unknown sort order.", id="sort"),
        pytest.param({"category": "cash"}, "Unknown category.", id="category"),
        pytest.param({"search": "x" * 101}, "Search for at most 100 characters.", id="search-long"),
        pytest.param({"search": "\x00"}, _CONTROL, id="search-nul"),
        pytest.param({"search": "gold\x1b[2J"}, _CONTROL, id="search-escape"),
        pytest.param({"search": "gold\nbar"}, _CONTROL, id="search-newline"),
    ],
)
def test_out_of_range_parameter_answers_422_with_its_message(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.get("/items", params=params)

    assert response.status_code == 422
    assert response.json() == {"message": message}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"page": "abc"}, id="page-text"),
        pytest.param({"page": "1.5"}, id="page-fraction"),
        pytest.param({"page": ""}, id="page-empty"),
        pytest.param({"per_page": "ten"}, id="per-page-text"),
        pytest.param({"per_page": "1e3"}, id="per-page-exponent"),
    ],
)
def test_non_integer_paging_parameter_answers_422_json_naming_it(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/items", params=params)

    assert response.status_code == 422
    [name] = params
    assert response.json()["message"].startswith(f"Invalid value for query.{name}:")


def test_nul_in_the_raw_query_string_answers_422_with_a_message(client: TestClient) -> None:
    response = client.get("/items?search=%00")

    assert response.status_code == 422
    assert response.json() == {"message": _CONTROL}


@pytest.mark.parametrize(
    "search",
    ["' OR 1=1 --", "\\", "名前", "<script>alert(1)</script>", "%", "   "],
)
def test_hostile_search_text_answers_200_not_500(client: TestClient, search: str) -> None:
    response = client.get("/items", params={"search": search})

    assert response.status_code == 200
