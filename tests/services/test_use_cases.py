"""The use cases the UI and the API share: cart summaries and their version, the account
summary, log-in results (code for the UI, token for the API) and checkout_or_replay."""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from fintech_ui.models import Item
from fintech_ui.security import decode_token
from fintech_ui.services import accounts, ledger, orders, sessions
from fintech_ui.services import cart as carts
from fintech_ui.services.accounts import UsernameTaken
from fintech_ui.services.orders import CheckoutError

T0 = 1_700_000_000
PASSWORD = "Tr0ub4dor&3-staple"
ADDRESS = "198.51.100.7"


# --- CartSummary and its version -------------------------------------------------------


@pytest.fixture
def owner(make_user) -> carts.CartOwner:
    return carts.CartOwner(user_id=make_user())


def _view(scope, owner) -> carts.CartSummary:
    with scope(read_only=True) as db:
        return carts.view(db, owner)


def test_every_cart_change_answers_with_the_summary_the_view_gives(scope, owner, make_item):
    item = make_item(price_cents=1250)
    with scope() as db:
        added = carts.add(db, owner, item_id=item, quantity=2, now=T0)

    assert (added.count, added.total_cents, added.prices_changed) == (2, 2500, False)
    assert [line.item_id for line in added.lines] == [item]
    assert added == _view(scope, owner)


def test_cart_summary_is_frozen(scope, owner):
    summary = _view(scope, owner)

    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.count = 3  # type: ignore[misc]


def test_empty_cart_and_no_cart_have_the_same_version(scope, owner):
    assert _view(scope, owner).version == _view(scope, None).version
    assert _view(scope, None).lines == ()


def test_cart_version_is_stable_when_nothing_changes(scope, owner, make_item):
    item = make_item()
    with scope() as db:
        first = carts.add(db, owner, item_id=item, quantity=1, now=T0)

    assert _view(scope, owner).version == first.version


def test_cart_version_ignores_stock_moves_of_other_shoppers(scope, owner, make_item):
    item = make_item(stock=10)
    with scope() as db:
        before = carts.add(db, owner, item_id=item, quantity=1, now=T0)
        db.exec(update(Item).where(col(Item.id) == item).values(stock=5))

    assert _view(scope, owner).version == before.version


def test_cart_version_changes_with_the_lines(scope, owner, make_item):
    first, second = make_item(), make_item()
    with scope() as db:
        one = carts.add(db, owner, item_id=first, quantity=1, now=T0)
        two = carts.add(db, owner, item_id=second, quantity=1, now=T0)
        back = carts.remove(db, owner, item_id=second, now=T0)

    assert len({one.version, two.version}) == 2
    assert back.version == one.version


def test_cart_version_changes_with_the_quantity(scope, owner, make_item):
    item = make_item()
    with scope() as db:
        one = carts.add(db, owner, item_id=item, quantity=1, now=T0)
        three = carts.set_quantity(db, owner, item_id=item, quantity=3, now=T0)
        two = carts.decrease(db, owner, item_id=item, now=T0)

    assert len({one.version, three.version, two.version}) == 3


def test_cart_version_changes_with_the_price_and_its_acceptance(scope, owner, make_item):
    item = make_item(price_cents=1000)
    with scope() as db:
        added = carts.add(db, owner, item_id=item, quantity=1, now=T0)
        db.exec(update(Item).where(col(Item.id) == item).values(price_cents=1100))
    moved = _view(scope, owner)
    with scope() as db:
        accepted = carts.accept_prices(db, owner, now=T0, shown={item: 1100})

    assert moved.prices_changed and not accepted.prices_changed
    assert len({added.version, moved.version, accepted.version}) == 3
    assert accepted.total_cents == 1100


def test_refused_cart_change_raises_cart_error(scope, owner, make_item):
    item = make_item(stock=1)

    with scope() as db, pytest.raises(carts.CartError, match="Only 1 units"):
        carts.add(db, owner, item_id=item, quantity=2, now=T0)


# --- account summary -------------------------------------------------------------------


def test_account_summary_of_a_new_user_is_empty(scope, make_user):
    user = make_user("Summary_New")
    with scope(read_only=True) as db:
        summary = ledger.account_summary(db, user_id=user)

    assert (summary.username, summary.balance_cents, summary.statement) == ("Summary_New", 0, ())
    assert summary.member_since > 0


def test_top_up_answers_with_balance_and_newest_entry_first(scope, make_user):
    user = make_user()
    with scope() as db:
        ledger.top_up(db, user_id=user, amount_cents=500, idempotency_key="t-1", now=T0)
        summary = ledger.top_up(
            db, user_id=user, amount_cents=250, idempotency_key="t-2", now=T0 + 1
        ).account

    assert summary.balance_cents == 750
    assert [(e.kind, e.amount_cents, e.balance_after_cents) for e in summary.statement] == [
        ("deposit", 250, 750),
        ("deposit", 500, 500),
    ]
    with scope(read_only=True) as db:
        assert ledger.account_summary(db, user_id=user) == summary


def test_statement_export_is_csv_oldest_first(scope, make_user):
    user = make_user(balance_cents=1234)
    with scope(read_only=True) as db:
        csv_text = ledger.statement_export(db, user_id=user).csv

    assert csv_text.splitlines()[0] == "date,type,order,amount,balance"
    assert csv_text.splitlines()[1].endswith(",deposit,,12.34,12.34")


def test_statement_export_keeps_the_newest_rows_and_says_it_was_capped(scope, make_user):
    user = make_user()
    with scope() as db:
        for n in range(1, 4):
            ledger.deposit(db, user_id=user, amount_cents=n, idempotency_key=f"d{n}", now=T0 + n)
    with scope(read_only=True) as db:
        capped = ledger.statement_export(db, user_id=user, limit=2)
        whole = ledger.statement_export(db, user_id=user, limit=3)

    assert (capped.rows, capped.capped) == (2, True)
    assert [line.split(",")[3] for line in capped.csv.splitlines()[1:]] == ["0.02", "0.03"]
    assert (whole.rows, whole.capped) == (3, False)


# --- checkout_or_replay ----------------------------------------------------------------


def test_checkout_or_replay_answers_a_retry_with_the_same_order(scope, make_user, make_item):
    user = make_user(balance_cents=10_000)
    item = make_item(price_cents=1500)
    with scope() as db:
        carts.add(db, carts.CartOwner(user_id=user), item_id=item, quantity=2, now=T0)
    with scope() as db:
        first = orders.checkout_or_replay(db, user_id=user, idempotency_key="use-case-1", now=T0)
    with scope() as db:
        again = orders.checkout_or_replay(db, user_id=user, idempotency_key="use-case-1", now=T0)

    assert again == first
    assert (first.total_cents, [(ln.item_id, ln.quantity) for ln in first.lines]) == (
        3000,
        [(item, 2)],
    )


def test_checkout_or_replay_refusal_changes_nothing(scope, make_user, snapshot):
    user = make_user(balance_cents=10_000)
    before = snapshot()

    with scope() as db, pytest.raises(CheckoutError, match="Your cart is empty"):
        orders.checkout_or_replay(db, user_id=user, idempotency_key="use-case-2", now=T0)
    assert snapshot() == before


# --- log in and register ---------------------------------------------------------------


def test_log_in_for_the_ui_gives_a_code_not_a_token(db, settings):
    accounts.register(db, username="Ui_User", password=PASSWORD, settings=settings, now=T0)
    now = int(time.time())

    result = accounts.log_in(
        db,
        username="ui_user",
        password=PASSWORD,
        address=ADDRESS,
        settings=settings,
        now=now,
        next_path="/cart",
        browser_nonce="use-case-browser-nonce-0123",
    )

    assert result.user is not None and result.user.username == "Ui_User"
    assert result.token == "" and result.login_code and result.retry_after == 0
    redeemed = sessions.redeem_login_code(
        db,
        result.login_code,
        browser_nonce="use-case-browser-nonce-0123",
        settings=settings,
        now=now,
    )
    assert redeemed is not None and redeemed.next_path == "/cart"
    assert sessions.resolve_user(db, redeemed.token, settings=settings, now=now) == result.user


def test_log_in_for_the_api_gives_the_token(db, settings):
    accounts.register(db, username="Api_User", password=PASSWORD, settings=settings, now=T0)
    now = int(time.time())

    result = accounts.log_in(
        db, username="Api_User", password=PASSWORD, address=ADDRESS, settings=settings, now=now
    )

    assert result.login_code == ""
    assert decode_token(result.token, key=settings.secret_key, now=now) is not None
    assert sessions.resolve_user(db, result.token, settings=settings, now=now) == result.user


def test_log_in_with_a_wrong_password_names_nobody(db, settings):
    accounts.register(db, username="Wrong_Pw", password=PASSWORD, settings=settings, now=T0)

    result = accounts.log_in(
        db, username="Wrong_Pw", password="x" * 14, address=ADDRESS, settings=settings, now=T0
    )

    assert result == accounts.LoginResult(user=None)


def test_log_in_merges_the_visitors_cart(db, settings):
    accounts.register(db, username="Merger", password=PASSWORD, settings=settings, now=T0)
    item = Item(sku="UC-1", name="Merged Fund", name_key="merged fund", category="fund",
                price_cents=900, stock=5, risk_level=2)  # fmt: skip
    db.add(item)
    db.flush()
    visitor = carts.new_visitor_token()
    carts.add(db, carts.CartOwner(visitor_token=visitor), item_id=item.id, quantity=2, now=T0)

    result = accounts.log_in(
        db,
        username="Merger",
        password=PASSWORD,
        address=ADDRESS,
        settings=settings,
        now=int(time.time()),
        visitor_token=visitor,
        next_path="/",
        browser_nonce="use-case-browser-nonce-0123",
    )

    assert result.user is not None
    assert carts.view(db, carts.CartOwner(user_id=result.user.id)).count == 2
    assert carts.view(db, carts.CartOwner(visitor_token=visitor)).count == 0


def test_register_and_log_in_refuses_a_taken_name(db, settings):
    accounts.register(db, username="Taken_Name", password=PASSWORD, settings=settings, now=T0)

    with pytest.raises(UsernameTaken, match="taken"):
        accounts.register_and_log_in(
            db,
            username="TAKEN_name",
            password=PASSWORD,
            address=ADDRESS,
            settings=settings,
            now=T0,
            next_path="/",
            browser_nonce="use-case-browser-nonce-0123",
        )


def test_log_out_ends_the_session(db, settings):
    accounts.register(db, username="Leaver", password=PASSWORD, settings=settings, now=T0)
    now = int(time.time())
    result = accounts.log_in(
        db, username="Leaver", password=PASSWORD, address=ADDRESS, settings=settings, now=now
    )

    assert sessions.log_out(db, token=result.token, settings=settings, now=now) is True
    assert sessions.resolve_user(db, result.token, settings=settings, now=now) is None


def test_resolve_user_restarts_the_idle_clock_when_due(db, settings):
    from fintech_ui.models import AuthSession

    accounts.register(db, username="Toucher", password=PASSWORD, settings=settings, now=T0)
    now = int(time.time())
    result = accounts.log_in(
        db, username="Toucher", password=PASSWORD, address=ADDRESS, settings=settings, now=now
    )
    later = now + sessions.TOUCH_EVERY_SECONDS

    assert sessions.resolve_user(db, result.token, settings=settings, now=later) == result.user
    [row] = db.exec(select(AuthSession)).all()
    assert row.last_seen_at == later
