"""Back-office use cases: roles, product edits, stock adjustments, deactivation, users, orders,
the audit log and the analytics aggregates."""

from __future__ import annotations

import factories
import pytest
from sqlmodel import col, select

from fintech_ui.models import AuditEntry, AuthSession, Item, PricePoint, StockAdjustment, User
from fintech_ui.services import admin_orders, admin_products, admin_users, analytics, audit
from fintech_ui.services.admin_access import NotAuthorized, require_admin, set_role
from fintech_ui.services.sessions import create_session

T0 = 1_700_000_000


def form(**overrides) -> dict[str, object]:
    values = {
        "sku": "NEW-FUND-1",
        "name": "New Fund",
        "category": "fund",
        "price": "12.34",
        "stock": "10",
        "description": "A fund.",
        "risk": "2",
        "active": True,
        "reason": "",
    }
    values.update(overrides)
    return values


@pytest.fixture
def admin(db, make_user) -> int:
    user_id = make_user("Boss")
    factories.make_admin(db, user_id)
    db.commit()
    return user_id


@pytest.fixture
def customer(make_user) -> int:
    return make_user("Carol", balance_cents=100_000)


def all_audit(db) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


# --- roles ---------------------------------------------------------------------------


def test_require_admin_refuses_a_customer(db, customer):
    with pytest.raises(NotAuthorized, match="Only an administrator"):
        require_admin(db, actor_id=customer)


def test_require_admin_refuses_a_non_integer_actor(db, admin):
    with pytest.raises(NotAuthorized):
        require_admin(db, actor_id=str(admin))


def test_require_admin_refuses_a_disabled_admin(db, admin):
    db.get(User, admin).is_active = False
    db.flush()
    with pytest.raises(NotAuthorized):
        require_admin(db, actor_id=admin)


def test_set_role_grants_and_revokes_and_is_audited(db, customer):
    assert set_role(db, username="carol", role="admin", now=T0) == "Carol"
    assert require_admin(db, actor_id=customer).username == "Carol"
    set_role(db, username="CAROL", role="customer", now=T0 + 1)
    with pytest.raises(NotAuthorized):
        require_admin(db, actor_id=customer)
    assert [e.action for e in all_audit(db)] == ["user.role", "user.role"]


# --- products ------------------------------------------------------------------------


def test_create_product_records_price_point_stock_and_audit(db, admin):
    product = admin_products.save_product(db, actor_id=admin, item_id=None, fields=form(), now=T0)
    assert (product.sku, product.price_cents, product.stock) == ("NEW-FUND-1", 1234, 10)
    points = db.exec(select(PricePoint).where(PricePoint.item_id == product.id)).all()
    assert [p.price_cents for p in points] == [1234]
    moves = db.exec(select(StockAdjustment)).all()
    assert [(m.delta, m.reason) for m in moves] == [(10, "Initial stock")]
    assert [e.action for e in all_audit(db)] == ["product.create"]


def test_price_change_appends_to_the_history(db, admin):
    created = admin_products.save_product(db, actor_id=admin, item_id=None, fields=form(), now=T0)
    admin_products.save_product(
        db, actor_id=admin, item_id=created.id, fields=form(price="15.00"), now=T0 + 60
    )
    assert db.get(Item, created.id).price_cents == 1500
    points = db.exec(select(PricePoint.price_cents).where(PricePoint.item_id == created.id))
    assert list(points)[-1] == 1500
    entry = all_audit(db)[-1]
    assert '"price_cents": 1234' in entry.before_json and '"price_cents": 1500' in entry.after_json


def test_stock_change_needs_a_reason_and_changes_nothing_without(db, admin):
    created = admin_products.save_product(db, actor_id=admin, item_id=None, fields=form(), now=T0)
    with pytest.raises(admin_products.ProductInvalid) as refused:
        admin_products.save_product(
            db, actor_id=admin, item_id=created.id, fields=form(stock="4"), now=T0 + 1
        )
    assert set(refused.value.errors) == {"reason"}
    assert db.get(Item, created.id).stock == 10


def test_stock_adjustment_records_delta_and_reason(db, admin):
    created = admin_products.save_product(db, actor_id=admin, item_id=None, fields=form(), now=T0)
    admin_products.save_product(
        db,
        actor_id=admin,
        item_id=created.id,
        fields=form(stock="4", reason="Damaged certificates"),
        now=T0 + 1,
    )
    moves = admin_products.stock_history(db, actor_id=admin, item_id=created.id)
    newest = next((m.delta, m.stock_after, m.reason) for m in moves)
    assert newest == (-6, 4, "Damaged certificates")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "12.345"),
        ("price", "0"),
        ("price", 12),
        ("stock", "-1"),
        ("stock", "١٢"),
        ("risk", "6"),
        ("category", "art"),
        ("name", "x"),
        ("sku", "no spaces"),
        ("active", "maybe"),
    ],
)
def test_bad_field_gets_its_own_message_and_changes_nothing(db, admin, field, value):
    with pytest.raises(admin_products.ProductInvalid) as refused:
        admin_products.save_product(
            db, actor_id=admin, item_id=None, fields=form(**{field: value}), now=T0
        )
    assert field in refused.value.errors
    assert db.exec(select(Item)).all() == []
    assert all_audit(db) == []


def test_unknown_form_field_is_refused(db, admin):
    with pytest.raises(admin_products.ProductInvalid):
        admin_products.save_product(
            db, actor_id=admin, item_id=None, fields={**form(), "is_admin": "1"}, now=T0
        )


def test_names_are_unique_ignoring_case(db, admin, make_item):
    make_item("Global Equity")
    with pytest.raises(admin_products.ProductInvalid) as refused:
        admin_products.save_product(
            db, actor_id=admin, item_id=None, fields=form(name="global equity"), now=T0
        )
    assert "name" in refused.value.errors


def test_sku_is_immutable_once_sold(db, scope, admin, customer, make_item):
    item_id = make_item("Sold Fund", sku="SOLD-1", price_cents=1000, stock=5)
    factories.order(scope, customer, item_id, 1, now=T0)
    with pytest.raises(admin_products.ProductInvalid) as refused:
        admin_products.save_product(
            db,
            actor_id=admin,
            item_id=item_id,
            fields=form(sku="SOLD-2", name="Sold Fund", price="10.00", stock="4"),
            now=T0 + 1,
        )
    assert refused.value.errors == {"sku": "The SKU cannot change: this product has been sold."}


def test_product_with_orders_is_deactivated_not_deleted(db, scope, admin, customer, make_item):
    item_id = make_item("Kept Fund", price_cents=1000, stock=5)
    factories.order(scope, customer, item_id, 1, now=T0)
    assert admin_products.remove_product(db, actor_id=admin, item_id=item_id, now=T0) == (
        "deactivated"
    )
    db.expire_all()
    assert db.get(Item, item_id).is_active is False


def test_product_never_sold_is_deleted(db, admin, make_item):
    item_id = make_item("Unsold Fund")
    assert admin_products.remove_product(db, actor_id=admin, item_id=item_id, now=T0) == "deleted"
    assert db.get(Item, item_id) is None
    assert all_audit(db)[-1].action == "product.delete"


def test_customer_cannot_save_a_product(db, customer):
    with pytest.raises(NotAuthorized):
        admin_products.save_product(db, actor_id=customer, item_id=None, fields=form(), now=T0)
    assert db.exec(select(Item)).all() == []


def test_list_products_searches_name_and_sku(db, admin, make_item):
    make_item("Alpha Bond", sku="ALPHA-1")
    make_item("Beta Stock", sku="BETA-1")
    names = [p.name for p in admin_products.list_products(db, actor_id=admin, search="beta")]
    assert names == ["Beta Stock"]
    assert [p.sku for p in admin_products.list_products(db, actor_id=admin, search="alpha-")] == [
        "ALPHA-1"
    ]


# --- users ---------------------------------------------------------------------------


def test_disable_user_ends_sessions_and_is_audited(db, settings, admin, customer):
    create_session(db, user=db.get(User, customer), settings=settings, now=T0)
    row = admin_users.set_user_active(
        db, actor_id=admin, user_id=customer, active=False, now=T0 + 1
    )
    assert (row.is_active, row.sessions) == (False, 0)
    assert {s.revoked_at for s in db.exec(select(AuthSession)).all()} == {T0 + 1}
    assert all_audit(db)[-1].action == "user.disable"


def test_admin_cannot_disable_themselves(db, admin):
    with pytest.raises(admin_users.SelfDisable):
        admin_users.set_user_active(db, actor_id=admin, user_id=admin, active=False, now=T0)


def test_search_users_shows_balance_orders_and_sessions(db, settings, admin, customer):
    create_session(db, user=db.get(User, customer), settings=settings, now=T0)
    [row] = admin_users.search_users(db, actor_id=admin, search="car", now=T0 + 1)
    assert (row.username, row.balance_cents, row.orders, row.sessions) == ("Carol", 100_000, 0, 1)


# --- orders --------------------------------------------------------------------------


def test_orders_filter_by_user_product_and_date(db, scope, admin, customer, make_item):
    item_id = make_item("Filter Fund", sku="FILT-1", price_cents=1000, stock=5)
    order_id = factories.order(scope, customer, item_id, 2, now=T0)
    found = admin_orders.search_orders(db, actor_id=admin, username="caro", product="filt-1")
    assert [o.id for o in found] == [order_id]
    assert admin_orders.search_orders(db, actor_id=admin, date_from="2030-01-01") == ()
    detail = admin_orders.order_detail(db, actor_id=admin, order_id=order_id)
    assert (detail.username, detail.lines[0].quantity) == ("Carol", 2)


def test_orders_refuse_a_bad_date(db, admin):
    with pytest.raises(admin_orders.FilterInvalid, match="YYYY-MM-DD"):
        admin_orders.search_orders(db, actor_id=admin, date_from="yesterday")


# --- audit and analytics ------------------------------------------------------------


def test_audit_csv_neutralises_formulas(db, admin):
    audit.record(
        db,
        actor_id=admin,
        actor_name="Boss",
        action="x",
        target="=cmd()",
        before=None,
        after=None,
        now=T0,
    )
    text = audit.export_csv(db)
    assert text.splitlines()[0].startswith("id,when_utc,actor")
    assert "'=cmd()" in text


def test_analytics_aggregate_orders_categories_and_balances(db, scope, admin, customer, make_item):
    bond = make_item("Bond A", category="bond", price_cents=1000, stock=9)
    fund = make_item("Fund A", category="fund", price_cents=500, stock=9)
    factories.order(scope, customer, bond, 2, now=T0)
    factories.order(scope, customer, fund, 1, now=T0 + 10)
    board = analytics.dashboard(db, actor_id=admin, days=30, now=T0 + 20)
    assert [(p.value, p.other) for p in board.sales_per_day] == [(2500, 2)]
    assert [(p.label, p.value) for p in board.revenue_by_category] == [
        ("bond", 2000),
        ("fund", 500),
    ]
    assert next((p.label, p.value, p.other) for p in board.top_products) == ("Bond A", 2000, 2)
    assert sum(p.value for p in board.balance_distribution) == 2
    assert sum(p.value for p in board.deposits_withdrawals) == 100_000 + 2_500  # factory top-ups


def test_analytics_refuse_a_customer(db, customer):
    with pytest.raises(NotAuthorized):
        analytics.dashboard(db, actor_id=customer, days=30, now=T0)
