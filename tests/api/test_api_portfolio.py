"""GET /api/portfolio, POST /api/portfolio/sales, POST /api/account/withdrawals and
GET /api/items/{id}/prices: the investor's journey over HTTP."""

from __future__ import annotations

import uuid

import pytest

from fintech_ui.db import now, session_scope
from fintech_ui.services import prices


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"api-{uuid.uuid4().hex[:20]}"}


def _buy(client, user, item_id, quantity):
    added = client.post(
        "/cart/items", json={"item_id": item_id, "quantity": quantity}, headers=user.headers
    )
    assert added.status_code == 201, added.text
    bought = client.post("/checkout", json={"item_id": item_id}, headers={**user.headers, **_key()})
    assert bought.status_code == 201, bought.text


@pytest.fixture
def invested(client, user, make_item, fund):
    """A user who holds 4 units of a $10 stock and 2 of a $25 bond, with $60 cash left."""
    fund(user, 15_000)
    stock = make_item(price_cents=1000, category="stock")
    bond = make_item(price_cents=2500, category="bond")
    _buy(client, user, stock, 4)
    _buy(client, user, bond, 2)
    return user, stock, bond


def test_portfolio_lists_holdings_and_totals(client, invested):
    user, stock, bond = invested
    body = client.get("/portfolio", headers=user.headers).json()

    rows = {row["item_id"]: row for row in body["holdings"]}
    assert (rows[stock]["units"], rows[stock]["average_cost"], rows[stock]["value"]) == (
        4,
        "10.00",
        "40.00",
    )
    assert rows[bond]["value_cents"] == 5000
    assert body["totals"]["cash"] == "60.00"
    assert body["totals"]["holdings_value"] == "90.00"
    assert body["totals"]["total_value"] == "150.00"
    assert {s["category"] for s in body["allocation"]} == {"stock", "bond"}
    assert body["flows"][-1]["purchases_cents"] == 9000
    assert body["value_series"][-1]["total_cents"] == 15_000


def test_sale_is_201_and_credits_the_balance(client, invested):
    user, stock, _bond = invested
    sold = client.post(
        "/portfolio/sales", json={"item_id": stock, "units": 3}, headers={**user.headers, **_key()}
    )
    assert sold.status_code == 201, sold.text
    assert (sold.json()["proceeds"], sold.json()["balance"]) == ("30.00", "90.00")
    account = client.get("/account", headers=user.headers).json()
    assert account["statement"][0]["kind"] == "sale"
    rows = {
        r["item_id"]: r for r in client.get("/portfolio", headers=user.headers).json()["holdings"]
    }
    assert rows[stock]["units"] == 1


def test_same_key_sells_once(client, invested):
    user, stock, _bond = invested
    headers = {**user.headers, **_key()}
    first = client.post("/portfolio/sales", json={"item_id": stock, "units": 1}, headers=headers)
    again = client.post("/portfolio/sales", json={"item_id": stock, "units": 1}, headers=headers)
    other = client.post("/portfolio/sales", json={"item_id": stock, "units": 2}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert first.json()["id"] == again.json()["id"]
    assert client.get("/account", headers=user.headers).json()["balance"] == "70.00"


def test_selling_more_than_held_is_422(client, invested):
    user, stock, _bond = invested
    refused = client.post(
        "/portfolio/sales", json={"item_id": stock, "units": 5}, headers={**user.headers, **_key()}
    )
    assert refused.status_code == 422
    assert refused.json()["message"] == f"You hold only 4 units of {_name(stock)}."


def _name(item_id):
    from fintech_ui.models import Item

    with session_scope() as db:
        return db.get(Item, item_id).name


@pytest.mark.parametrize(
    "body",
    [
        {"item_id": 1},
        {"item_id": "1", "units": 1},
        {"item_id": 1, "units": 1.0},
        {"item_id": 1, "units": True},
        {"item_id": 1, "units": 0},
        {"item_id": 1, "units": 1, "price": 1},
    ],
)
def test_sale_bodies_are_strict(client, user, body):
    refused = client.post("/portfolio/sales", json=body, headers={**user.headers, **_key()})
    assert refused.status_code == 422 and "message" in refused.json()


def test_sale_without_key_is_422(client, invested):
    user, stock, _bond = invested
    refused = client.post(
        "/portfolio/sales", json={"item_id": stock, "units": 1}, headers=user.headers
    )
    assert refused.status_code == 422 and "idempotency key" in refused.json()["message"]


def test_withdrawal_is_201_once_per_key(client, invested):
    user, _stock, _bond = invested
    headers = {**user.headers, **_key()}
    first = client.post("/account/withdrawals", json={"amount": "25.50"}, headers=headers)
    again = client.post("/account/withdrawals", json={"amount": "25.50"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["balance"] == again.json()["balance"] == "34.50"
    statement = client.get("/account", headers=user.headers).json()["statement"]
    assert [e["kind"] for e in statement].count("withdrawal") == 1


@pytest.mark.parametrize("amount", ["60.01", "0", "1,50", "abc", 25])
def test_withdrawal_refusals_are_422(client, invested, amount):
    user, _stock, _bond = invested
    refused = client.post(
        "/account/withdrawals", json={"amount": amount}, headers={**user.headers, **_key()}
    )
    assert refused.status_code == 422 and refused.json()["message"]


def test_portfolio_needs_a_token(client):
    assert client.get("/portfolio").status_code == 401
    assert client.post("/portfolio/sales", json={"item_id": 1, "units": 1}).status_code == 401
    assert client.post("/account/withdrawals", json={"amount": "1"}).status_code == 401


def test_price_history_by_range(client, make_item):
    item = make_item(price_cents=4321, category="crypto")
    with session_scope() as db:
        prices.add_demo_history(db, item_ids=[item], now=now())
    year = client.get(f"/items/{item}/prices").json()
    month = client.get(f"/items/{item}/prices?range=1m").json()
    assert year["range"] == "1y" and len(year["prices"]) >= 365
    assert 30 <= len(month["prices"]) <= 32
    assert month["prices"][-1] == {
        **month["prices"][-1],
        "price": "43.21",
        "price_cents": 4321,
    }


def test_price_history_refuses_odd_ranges_and_unknown_products(client, make_item):
    item = make_item()
    assert client.get(f"/items/{item}/prices?range=2y").status_code == 422
    assert client.get("/items/999999999/prices").status_code == 404


def test_prefixed_paths_work(prefixed_client, user):
    assert prefixed_client.get("/api/portfolio", headers=user.headers).status_code == 200
