"""The back office's handlers called as a browser could call them: every handler of every
admin state, by name, with hostile payloads, as a customer and as a visitor, changes nothing
(and a customer's attempt lands in the audit log); as an admin, the forms work."""

from __future__ import annotations

import asyncio
import inspect
import time

import factories
import pytest
from sqlmodel import col, func, select

from fintech_ui.db import session_scope
from fintech_ui.models import AuditEntry, AuthSession, Item, StockAdjustment, User
from fintech_ui.state.admin import AdminState
from fintech_ui.state.admin_analytics import AdminAnalyticsState
from fintech_ui.state.admin_audit import AdminAuditState
from fintech_ui.state.admin_orders import AdminOrdersState
from fintech_ui.state.admin_products import AdminProductsState
from fintech_ui.state.admin_users import AdminUsersState

ADMIN_STATES = (
    AdminProductsState,
    AdminUsersState,
    AdminOrdersState,
    AdminAuditState,
    AdminAnalyticsState,
)
HOSTILE = (
    None,
    1,
    "1",
    " 7 ",
    "١٢",
    True,
    [1, 2],
    {"sku": "HACK-1", "name": "Hacked", "price": "0.01", "stock": "999", "risk": "1"},
    "' OR 1=1 --",
)
HANDLERS = [
    (cls, name)
    for cls in ADMIN_STATES
    for name in sorted(cls.event_handlers)
    if name != "setvar"  # Reflex's own: sets this tab's vars only, never the database
]


@pytest.fixture
def handle():
    """`handle(state, State.handler, **payload)` for async and plain handlers alike."""

    def _run(state, handler, **payload):
        result = handler.fn(state, **payload)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    return _run


def _params(cls, name) -> list[str]:
    fn = cls.event_handlers[name].fn
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def _fingerprint() -> tuple:
    """Everything an admin handler could change, except refused attempts in the audit log."""
    with session_scope(read_only=True) as db:
        items = db.exec(
            select(
                Item.id, Item.sku, Item.name, Item.price_cents, Item.stock, Item.is_active
            ).order_by(col(Item.id))
        ).all()
        users = db.exec(select(User.id, User.is_active, User.role).order_by(col(User.id))).all()
        revoked = db.exec(
            select(func.count()).where(col(AuthSession.revoked_at).is_not(None))
        ).one()
        done = db.exec(select(func.count()).where(col(AuditEntry.outcome) == "done")).one()
        moves = db.exec(select(func.count()).select_from(StockAdjustment)).one()
    return tuple(items), tuple(users), revoked, done, moves


def _denied_count(user_id: int | None) -> int:
    with session_scope(read_only=True) as db:
        query = select(func.count()).where(col(AuditEntry.outcome) == "denied")
        if user_id is None:
            query = query.where(col(AuditEntry.actor_id).is_(None))
        else:
            query = query.where(col(AuditEntry.actor_id) == user_id)
        return db.exec(query).one()


@pytest.fixture
def customer(new_account, open_session, cookie_for):
    account = new_account()
    return account, cookie_for(open_session(account))


@pytest.fixture
def admin(new_account, open_session, cookie_for):
    account = new_account()
    with session_scope() as db:
        factories.make_admin(db, account.id)
    return account, cookie_for(open_session(account))


@pytest.fixture
def victim(new_account, open_session, shop):
    """Another customer with a live session and a product, the targets of hostile calls."""
    account = new_account()
    open_session(account)
    return account, shop.insert_item(price_cents=1_000, stock=5)


@pytest.mark.parametrize(("cls", "name"), HANDLERS, ids=lambda v: getattr(v, "__name__", v))
def test_customer_calling_any_admin_handler_changes_nothing_and_is_audited(
    make_state, handle, customer, victim, cls, name
):
    account, cookie = customer
    victim_account, product = victim
    targets = (victim_account.id, product.id)
    for value in (*HOSTILE, *targets):
        before, denied = _fingerprint(), _denied_count(account.id)
        state = make_state(cls, cookie=cookie, url="/admin")
        payload = dict.fromkeys(_params(cls, name), value)
        handle(state, cls.event_handlers[name], **payload)
        assert _fingerprint() == before, (name, value)
        assert _denied_count(account.id) == denied + 1, (name, value)
        for var in ("rows", "sales", "detail_lines", "stock_moves"):
            assert getattr(state, var, []) == [], (name, var)


@pytest.mark.parametrize(("cls", "name"), HANDLERS, ids=lambda v: getattr(v, "__name__", v))
def test_visitor_calling_any_admin_handler_changes_nothing(make_state, handle, victim, cls, name):
    for value in HOSTILE[:4]:
        before, anonymous = _fingerprint(), _denied_count(None)
        state = make_state(cls, cookie=None, url="/admin")
        handle(state, cls.event_handlers[name], **dict.fromkeys(_params(cls, name), value))
        assert _fingerprint() == before, (name, value)
        assert _denied_count(None) == anonymous  # refused without writing anything
        assert getattr(state, "rows", []) == []


def test_customer_opening_admin_is_refused_and_audited(make_state, handle, customer):
    account, cookie = customer
    denied = _denied_count(account.id)
    state = make_state(AdminState, cookie=cookie, url="/admin")
    handle(state, AdminState.load)
    assert (state.is_admin, state.checked) == (False, True)
    assert _denied_count(account.id) == denied + 1


def test_visitor_opening_admin_goes_to_login(make_state, handle):
    state = make_state(AdminState, cookie=None, url="/admin")
    result = handle(state, AdminState.load)
    assert state.is_admin is False and result is not None


def test_nav_link_is_for_admins_only(make_state, handle, customer, admin):
    for (_account, cookie), expected in ((customer, False), (admin, True)):
        state = make_state(AdminState, cookie=cookie, url="/")
        handle(state, AdminState.sync_link)
        assert state.is_admin is expected


def test_revoked_admin_is_refused_on_the_next_call(make_state, handle, admin):
    account, cookie = admin
    state = make_state(AdminProductsState, cookie=cookie, url="/admin")
    handle(state, AdminProductsState.load)
    assert state.error == ""
    with session_scope() as db:
        db.get(User, account.id).role = "customer"
    handle(state, AdminProductsState.load)
    assert state.rows == [] and state.error == "Only an administrator can do that."


FORM = {
    "sku": "",
    "name": "",
    "category": "bond",
    "price": "25.50",
    "stock": "7",
    "description": "Made in a state test.",
    "risk": "2",
    "reason": "",
}


def test_admin_creates_and_edits_a_product(make_state, handle, admin):
    _account, cookie = admin
    sku = f"ST-{time.time_ns() % 10**9}"
    state = make_state(AdminProductsState, cookie=cookie, url="/admin")
    handle(state, AdminProductsState.new_product)
    handle(state, AdminProductsState.save, form_data={**FORM, "sku": sku, "name": f"Bond {sku}"})
    assert state.error == "" and state.message.startswith("Saved")
    with session_scope(read_only=True) as db:
        item = db.exec(select(Item).where(col(Item.sku) == sku)).one()
    assert (item.price_cents, item.stock) == (2550, 7)
    handle(state, AdminProductsState.edit, item_id=item.id)
    assert state.values["price"] == "25.50"
    handle(
        state,
        AdminProductsState.save,
        form_data={**state.values, "price": "30", "stock": "9", "reason": "Recount"},
    )
    with session_scope(read_only=True) as db:
        item = db.get(Item, item.id)
    assert (item.price_cents, item.stock) == (3000, 9)


def test_admin_bad_price_shows_a_field_message_and_changes_nothing(make_state, handle, admin):
    _account, cookie = admin
    before = _fingerprint()
    state = make_state(AdminProductsState, cookie=cookie, url="/admin")
    handle(state, AdminProductsState.new_product)
    handle(state, AdminProductsState.save, form_data={**FORM, "sku": "BAD-1", "price": "1.234"})
    assert set(state.field_errors) >= {"price", "name"}
    assert _fingerprint() == before


def test_admin_disables_a_user_and_their_sessions_end(make_state, handle, admin, victim):
    _account, cookie = admin
    victim_account, _product = victim
    state = make_state(AdminUsersState, cookie=cookie, url="/admin")
    handle(state, AdminUsersState.set_active, user_id=victim_account.id, active=False)
    assert state.message == f"Disabled {victim_account.username}."
    with session_scope(read_only=True) as db:
        live = db.exec(
            select(func.count()).where(
                col(AuthSession.user_id) == victim_account.id,
                col(AuthSession.revoked_at).is_(None),
            )
        ).one()
    assert live == 0


def test_admin_reads_the_audit_log_and_downloads_it(make_state, handle, admin):
    _account, cookie = admin
    state = make_state(AdminAuditState, cookie=cookie, url="/admin")
    handle(state, AdminAuditState.load)
    assert state.error == ""
    assert handle(state, AdminAuditState.download_csv) is not None


def test_admin_sees_analytics_with_text_alternatives(make_state, handle, admin):
    _account, cookie = admin
    state = make_state(AdminAnalyticsState, cookie=cookie, url="/admin")
    handle(state, AdminAnalyticsState.choose_days, value="90")
    assert state.days == 90 and state.error == ""
    assert state.balances and state.balances_text.endswith(".")
