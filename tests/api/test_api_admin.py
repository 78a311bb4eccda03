"""/api/admin/...: 401 without a token, 403 (audited) for customers on every endpoint, and
the back office's rules for administrators; documented under the tag "admin"."""

from __future__ import annotations

import time

import factories
import pytest
from sqlmodel import col, func, select

from fintech_ui.api import api
from fintech_ui.db import session_scope
from fintech_ui.models import AuditEntry, Item

ENDPOINTS = [
    (method.upper(), path)
    for path, operations in api.openapi()["paths"].items()
    if path.startswith("/admin")
    for method in operations
]
BODY = {
    "sku": "API-X",
    "name": "API product",
    "category": "fund",
    "price": "10.00",
    "stock": "5",
    "risk": "2",
}


def _url(path: str) -> str:
    return path.replace("{item_id}", "1").replace("{user_id}", "1").replace("{order_id}", "1")


def _denied(user_id: int) -> int:
    with session_scope(read_only=True) as db:
        return db.exec(
            select(func.count()).where(
                col(AuditEntry.actor_id) == user_id, col(AuditEntry.outcome) == "denied"
            )
        ).one()


@pytest.fixture
def admin_user(make_user):
    user = make_user()
    with session_scope() as db:
        factories.make_admin(db, user.id)
    return user


def test_every_admin_endpoint_is_listed():
    assert len(ENDPOINTS) == 13


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_endpoint_without_token_is_401(client, method, path):
    response = client.request(method, _url(path), json=BODY)
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_endpoint_with_a_bad_token_is_401(client, method, path):
    response = client.request(method, _url(path), json=BODY, headers={"x-access-tokens": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_admin_endpoint_as_customer_is_403_changes_nothing_and_is_audited(
    client, make_user, method, path
):
    user = make_user()
    with session_scope(read_only=True) as db:
        items_before = db.exec(select(func.count()).select_from(Item)).one()
    response = client.request(method, _url(path), json=BODY, headers=user.bearer)
    assert response.status_code == 403
    assert response.json() == {"message": "Only an administrator can do that."}
    assert _denied(user.id) == 1
    with session_scope(read_only=True) as db:
        assert db.exec(select(func.count()).select_from(Item)).one() == items_before


def test_admin_creates_edits_and_lists_a_product(client, admin_user):
    sku = f"API-{time.time_ns() % 10**9}"
    created = client.post(
        "/admin/products",
        json={**BODY, "sku": sku, "name": f"Fund {sku}"},
        headers=admin_user.bearer,
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["price"], product["price_cents"], product["stock"]) == ("10.00", 1000, 5)
    changed = client.put(
        f"/admin/products/{product['id']}",
        json={
            **BODY,
            "sku": sku,
            "name": f"Fund {sku}",
            "price": "12.5",
            "stock": "3",
            "reason": "Recount",
        },
        headers=admin_user.bearer,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["price_cents"], changed.json()["stock"]) == (1250, 3)
    listed = client.get("/admin/products", params={"search": sku}, headers=admin_user.bearer)
    assert [p["sku"] for p in listed.json()] == [sku]


def test_admin_bad_fields_get_field_messages(client, admin_user):
    response = client.post(
        "/admin/products",
        json={**BODY, "price": "1.234", "risk": "9", "category": "art"},
        headers=admin_user.bearer,
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"price", "risk", "category"}


def test_admin_money_must_be_a_string(client, admin_user):
    response = client.post("/admin/products", json={**BODY, "price": 10}, headers=admin_user.bearer)
    assert response.status_code == 422


def test_admin_disables_and_enables_a_user(client, admin_user, make_user):
    customer = make_user()
    disabled = client.post(f"/admin/users/{customer.id}/disable", headers=admin_user.bearer)
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert client.get("/cart", headers=customer.bearer).status_code == 401
    enabled = client.post(f"/admin/users/{customer.id}/enable", headers=admin_user.bearer)
    assert enabled.json()["is_active"] is True


def test_admin_reads_orders_audit_csv_and_analytics(client, admin_user):
    assert client.get("/admin/orders", headers=admin_user.bearer).status_code == 200
    bad = client.get("/admin/orders", params={"date_from": "x"}, headers=admin_user.bearer)
    assert bad.status_code == 422
    audit = client.get("/admin/audit.csv", headers=admin_user.bearer)
    assert audit.status_code == 200 and audit.text.startswith("id,when_utc")
    charts = client.get("/admin/analytics", params={"days": 90}, headers=admin_user.bearer)
    assert charts.status_code == 200 and charts.json()["days"] == 90


def test_admin_endpoints_are_documented_under_their_own_tag(client):
    spec = client.get("/openapi.json").json()
    admin_ops = [
        op
        for path, ops in spec["paths"].items()
        if path.startswith("/admin")
        for op in ops.values()
    ]
    assert len(admin_ops) == 13
    assert all(op["tags"] == ["admin"] for op in admin_ops)
    assert all("403" in op["responses"] and "401" in op["responses"] for op in admin_ops)
