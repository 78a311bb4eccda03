"""Redis, which holds every page's Reflex state, dies in the middle of a session and returns.

The app runs in its production configuration on a redis-server of this module's own, which
the tests SIGKILL (and later start again, empty, on the same port) while Chromium is logged
in with a cart. Required: the user gets a clear error, not a stack trace and not a false
picture; nothing is half-written in the database; when Redis is back the user is still logged
in (the session cookie is backed by the database, not by Redis), the cart (in the database)
is intact, and actions work again.

Each test prints what the user saw (run with -s or -rP to read it).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from scale_support import (
    AppServer,
    RedisServer,
    SocketWatch,
    account_link,
    add_button,
    check_money_invariants,
    expect_badge,
    expect_cart,
    goto_live,
    item_prices,
    nav,
    open_cart,
    production_app,
    register_in_browser,
    require_postgres,
    snapshot,
    toasts,
    unique_username,
    wait_until,
)
from sqlalchemy import Engine, text
from sqlmodel import Session

from fintech_ui.services.ledger import deposit

pytestmark = [pytest.mark.scale, pytest.mark.browser]

FIRST, SECOND = "Agriculture Basket", "Atlantic Retail Bank Shares"
INTERNALS = re.compile(r"traceback|redis|error \d+|exception|connection refused|\.py\b", re.I)


@pytest.fixture(scope="module")
def redis(redis_factory) -> RedisServer:
    return redis_factory()


@pytest.fixture(scope="module")
def app(browser, app_root, redis: RedisServer, tmp_path_factory) -> Iterator[AppServer]:
    require_postgres()
    log_dir = tmp_path_factory.mktemp("redis-outage")
    with production_app(app_root, log_dir, redis, respawn=False) as app:
        yield app


@pytest.fixture
def outage(redis: RedisServer) -> Iterator[RedisServer]:
    """The module's Redis, running again after the test whatever the test did to it."""
    yield redis
    if not redis.running:
        redis.start()


def _shopper(page: Page, app: AppServer, prefix: str) -> tuple[str, SocketWatch]:
    """A new user, logged in, with FIRST in the cart, on the catalogue."""
    watch = SocketWatch(page)
    username = unique_username(prefix)
    register_in_browser(page, app.url, username, watch)
    add_button(page, FIRST).click()
    expect_badge(page, 1)
    return username, watch


def _seen(page: Page, label: str, tmp_path: Path, wait_ms: int = 0) -> dict:
    """What the user sees now: notifications, alerts, the navigation bar, the main text."""
    if wait_ms:
        page.wait_for_timeout(wait_ms)
    shown = {
        "toasts": toasts(page),
        "alerts": [t.strip() for t in page.get_by_role("alert").all_inner_texts() if t.strip()],
        "navigation": " | ".join(nav(page).inner_text().split()),
        "main": " ".join(page.locator("main").inner_text().split())[:300],
    }
    page.screenshot(path=str(tmp_path / f"{label}.png"))
    print(f"\n--- {label}: what the user sees")
    for key, value in shown.items():
        print(f"{key}: {value}")
    return shown


def _user_id(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT id FROM users WHERE username = :name"), {"name": username}
        ).scalar_one()


def _error_toasts(page: Page) -> list[str]:
    texts = page.locator("[data-sonner-toast][data-type='error']").all_inner_texts()
    return [t.strip() for t in texts]


def test_action_during_redis_outage_errors_clearly_writes_nothing_and_recovers(
    page: Page, app: AppServer, engine: Engine, outage: RedisServer, tmp_path: Path
) -> None:
    prices = item_prices(engine, [FIRST, SECOND])
    username, watch = _shopper(page, app, "outage")
    before = snapshot(engine)

    outage.kill()
    add_button(page, SECOND).click()
    wait_until(lambda: _error_toasts(page), timeout=10, what="an error message", page=page)
    seen = _seen(page, "redis-down-add-to-cart", tmp_path, wait_ms=500)

    errors = _error_toasts(page)
    assert errors, f"no error shown: {seen}"
    assert not any(INTERNALS.search(message) for message in errors), errors
    expect_badge(page, 1)  # no pretended success
    assert snapshot(engine) == before, "the failed action wrote to the database"

    # Redis returns, empty. The open page, without a reload: the next action works.
    outage.start()
    add_button(page, SECOND).click()
    expect_badge(page, 2)

    # And after a reload: still logged in, the cart from the database, actions work.
    goto_live(page, f"{app.url}/cart", watch)
    expect(account_link(page)).to_have_text(username)
    expect_cart(page, {FIRST: 1, SECOND: 1}, prices)
    page.get_by_role("button", name=f"Increase quantity of {FIRST}", exact=True).click()
    expect_badge(page, 3)
    expect_cart(page, {FIRST: 2, SECOND: 1}, prices)
    check_money_invariants(engine)


def test_reload_during_redis_outage_shows_an_error_not_an_empty_logged_out_page(
    page: Page, app: AppServer, engine: Engine, outage: RedisServer, tmp_path: Path
) -> None:
    """The error message says "reload the page and try again"; a user who does must not be
    shown a logged-out navigation bar and an empty catalogue while Redis is still down."""
    username, watch = _shopper(page, app, "reload")

    outage.kill()
    goto_live(page, f"{app.url}/", watch)  # returns on the first message: here, the error
    seen = _seen(page, "redis-down-reload", tmp_path, wait_ms=1500)

    assert _error_toasts(page) or seen["alerts"], f"no error shown after the reload: {seen}"
    problems = []
    if re.search(r"\bLog in\b", seen["navigation"]):
        problems.append(f"the navigation bar offers 'Log in' to {username}: {seen['navigation']}")
    if re.search(r"\b0 products\b|No products match", seen["main"]):
        problems.append(f"the catalogue claims to be empty: {seen['main']}")
    assert not problems, "while Redis is down the page shows a false picture:\n" + "\n".join(
        problems
    )

    outage.start()
    goto_live(page, f"{app.url}/", watch)
    expect(account_link(page)).to_have_text(username)
    expect_badge(page, 1)


def test_redis_dying_during_checkout_leaves_a_whole_order_and_no_false_message(
    page: Page, app: AppServer, engine: Engine, outage: RedisServer, tmp_path: Path
) -> None:
    """Redis dies while the checkout handler runs: the order commits, the state cannot be
    saved afterwards. The database must hold one whole order, and the user must not be told
    that nothing was changed."""
    username, watch = _shopper(page, app, "midbuy")
    user_id = _user_id(engine, username)
    with Session(engine) as db:
        deposit(
            db,
            idempotency_key=uuid.uuid4().hex,
            user_id=user_id,
            amount_cents=100_000,
            now=int(time.time()),
        )
        db.commit()
    open_cart(page)
    database = engine.url.database

    def checkout_waits_for_the_lock() -> bool:
        with engine.connect() as connection:
            return bool(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = :db AND wait_event_type = 'Lock'"
                    ),
                    {"db": database},
                ).scalar_one()
            )

    # Hold the cart's row so the checkout stops inside its transaction, then kill Redis.
    with engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(
            text("SELECT id FROM carts WHERE user_id = :user FOR UPDATE"), {"user": user_id}
        )
        page.get_by_role("button", name="Checkout", exact=True).click()
        wait_until(checkout_waits_for_the_lock, timeout=10, what="the checkout", page=page)
        outage.kill()
        transaction.rollback()

    def order_total() -> int:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT coalesce(sum(total_cents), 0) FROM orders WHERE user_id = :u"),
                {"u": user_id},
            ).scalar_one()

    wait_until(order_total, timeout=15, what="the checkout to commit", page=page)
    seen = _seen(page, "redis-died-during-checkout", tmp_path, wait_ms=2000)

    # The database: one whole order, paid once, the cart emptied.
    check_money_invariants(engine)
    with engine.connect() as connection:
        orders = connection.execute(
            text("SELECT id FROM orders WHERE user_id = :u"), {"u": user_id}
        ).all()
        lines = connection.execute(
            text(
                "SELECT count(*) FROM cart_lines l JOIN carts c ON c.id = l.cart_id "
                "WHERE c.user_id = :u"
            ),
            {"u": user_id},
        ).scalar_one()
    assert len(orders) == 1 and lines == 0

    # The user: told the order was placed, and not told the opposite.
    shown = " ".join([*seen["toasts"], *seen["alerts"], seen["main"]])
    assert "placed" in shown, seen
    assert not re.search(r"nothing was changed", shown, re.I), (
        f"an order was placed but the user is told nothing was changed: {seen}"
    )

    outage.start()
    goto_live(page, f"{app.url}/orders", watch)
    expect(account_link(page)).to_have_text(username)
    expect(page.get_by_role("link", name=f"Order #{orders[0][0]}", exact=True)).to_be_visible()
