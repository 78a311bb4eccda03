"""GET /account and POST /account/deposits: exact balances and a refused amount changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

if TYPE_CHECKING:
    from conftest import ApiUser

AMOUNT_FORMAT = "Enter an amount such as 25 or 25.50, with at most two decimals."
AMOUNT_RANGE = "Enter an amount from $0.01 to $10,000.00."


def _account(client: TestClient, user: ApiUser) -> dict[str, Any]:
    response = client.get("/account", headers=user.headers)
    assert response.status_code == 200
    return response.json()


def _deposit(client: TestClient, user: ApiUser, body: Any):
    return client.post("/account/deposits", json=body, headers=user.headers)


def test_new_account_has_zero_balance_and_empty_statement(
    client: TestClient, user: ApiUser
) -> None:
    assert _account(client, user) == {
        "username": user.username,
        "balance": "0.00",
        "balance_cents": 0,
        "statement": [],
    }


def test_deposit_answers_201_with_exact_balance(client: TestClient, user: ApiUser) -> None:
    response = _deposit(client, user, {"amount": "25.50"})

    assert response.status_code == 201
    assert (response.json()["balance"], response.json()["balance_cents"]) == ("25.50", 2550)


def test_deposit_shows_in_account_balance_and_statement(client: TestClient, user: ApiUser) -> None:
    _deposit(client, user, {"amount": "25.50"})

    account = _account(client, user)

    assert (account["balance"], account["balance_cents"]) == ("25.50", 2550)
    [entry] = account["statement"]
    assert entry["kind"] == "deposit"
    assert (entry["amount"], entry["amount_cents"]) == ("25.50", 2550)
    assert (entry["balance_after"], entry["balance_after_cents"]) == ("25.50", 2550)
    assert entry["order_id"] is None


def test_deposits_add_up_exactly_in_cents(client: TestClient, user: ApiUser) -> None:
    for amount in ("0.10", "0.20", "0.01", "1,000.09"):
        assert _deposit(client, user, {"amount": amount}).status_code == 201

    account = _account(client, user)

    assert (account["balance"], account["balance_cents"]) == ("1000.40", 100040)
    assert [e["balance_after"] for e in account["statement"]] == [
        "1000.40",
        "0.31",
        "0.30",
        "0.10",
    ]


@pytest.mark.parametrize(
    ("amount", "cents"), [("0.01", 1), ("10000.00", 1_000_000), ("$12", 1200), (" 7.5 ", 750)]
)
def test_deposit_accepts_amounts_in_range(
    client: TestClient, user: ApiUser, amount: str, cents: int
) -> None:
    response = _deposit(client, user, {"amount": amount})

    assert response.status_code == 201
    assert response.json()["balance_cents"] == cents


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"amount": 25.5},
            "Invalid value for amount: Input should be a valid string.",
            id="float",
        ),
        pytest.param(
            {"amount": 25}, "Invalid value for amount: Input should be a valid string.", id="int"
        ),
        pytest.param({"amount": "0"}, AMOUNT_RANGE, id="zero"),
        pytest.param({"amount": "0.00"}, AMOUNT_RANGE, id="zero-cents"),
        pytest.param({"amount": "10000.01"}, AMOUNT_RANGE, id="over-limit"),
        pytest.param({"amount": "abc"}, AMOUNT_FORMAT, id="text"),
        pytest.param({"amount": "-5"}, AMOUNT_FORMAT, id="negative"),
        pytest.param({"amount": "1.234"}, AMOUNT_FORMAT, id="three-decimals"),
        pytest.param({"amount": "1e3"}, AMOUNT_FORMAT, id="exponent"),
        pytest.param({"amount": "NaN"}, AMOUNT_FORMAT, id="nan"),
        pytest.param({"amount": ""}, AMOUNT_FORMAT, id="empty"),
        pytest.param({"amount": "١٢"}, AMOUNT_FORMAT, id="arabic-digits"),
        pytest.param({}, "Missing field: amount.", id="missing"),
        pytest.param(
            {"amount": "5", "user_id": 1}, "Unexpected field: user_id.", id="extra-user_id"
        ),
        pytest.param(["5"], "The body must be a JSON object.", id="array"),
    ],
)
def test_refused_deposit_answers_422_and_leaves_balance_unchanged(
    client: TestClient, user: ApiUser, body: Any, message: str
) -> None:
    _deposit(client, user, {"amount": "1.00"})

    response = _deposit(client, user, body)

    assert response.status_code == 422
    assert response.json() == {"message": message}
    assert _account(client, user)["balance_cents"] == 100


def test_deposit_of_overlong_amount_text_answers_422(client: TestClient, user: ApiUser) -> None:
    response = _deposit(client, user, {"amount": "1" * 33})

    assert response.status_code == 422
    assert _account(client, user)["balance_cents"] == 0


def test_deposit_with_invalid_json_answers_400(client: TestClient, user: ApiUser) -> None:
    response = client.post(
        "/account/deposits",
        content=b'{"amount": "5"',
        headers={**user.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json() == {"message": "The body is not valid JSON."}


def test_deposit_goes_to_the_token_owner_only(client: TestClient, make_user) -> None:
    alice, bob = make_user(), make_user()

    _deposit(client, alice, {"amount": "3.00"})

    assert _account(client, bob)["balance_cents"] == 0
