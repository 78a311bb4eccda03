"""Two granian workers behind one port: a shopper's session and cart survive losing a worker.

The app runs as in production — `reflex run --env prod --single-port`, GRANIAN_WORKERS=2, the
Redis state manager on a redis-server of this module's own, PostgreSQL — and Chromium shops
in it. Workers are SIGKILLed one at a time, so that the page's websocket has to reconnect to
another worker, which knows nothing of the page but what Redis and the database hold. After
each kill the page must reconnect by itself, still show who is logged in and the cart, and
the next action (more units, a deposit, the checkout) must work. Then the whole app is
stopped and started again on the same database and Redis.

Granian replaces a dead worker only with `respawn_failed_workers`, which `reflex run` (Reflex
0.10.1) never sets: as shipped, one dead worker stops the whole server (see the last test).
The worker-kill journey therefore starts the same command through a launcher that sets it
(scale_support._RESPAWN_LAUNCHER, the fix suggested for `make run-prod`); everything else is
the production start.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Page, expect
from scale_support import (
    WORKERS,
    AppServer,
    SocketWatch,
    account_link,
    add_button,
    cart_rows,
    check_money_invariants,
    dollars,
    expect_badge,
    expect_cart,
    goto_live,
    http_status,
    item_prices,
    log_tail,
    open_cart,
    production_app,
    quantity_of,
    register_in_browser,
    require_postgres,
    unique_username,
    wait_until,
)
from sqlalchemy import Engine, text

pytestmark = pytest.mark.scale

FIRST, SECOND = "Agriculture Basket", "Atlantic Retail Bank Shares"  # first page, A–Z
CRASH_LOOP_GUARD_S = 6.0  # granian gives up on a worker that dies again within 5.5 s
MAX_KILLS = 6


@pytest.fixture(scope="module")
def app(app_root, redis_factory, tmp_path_factory) -> Iterator[AppServer]:
    require_postgres()
    redis = redis_factory()
    log_dir = tmp_path_factory.mktemp("two-workers")
    with production_app(app_root, log_dir, redis, respawn=True) as app:
        yield app


class Killer:
    """SIGKILLs workers one at a time, no faster than granian's crash-loop guard allows."""

    def __init__(self, app: AppServer) -> None:
        self.app = app
        self.last = 0.0

    def kill(self, victim: psutil.Process) -> None:
        time.sleep(max(0.0, self.last + CRASH_LOOP_GUARD_S - time.monotonic()))
        os.kill(victim.pid, signal.SIGKILL)
        self.last = time.monotonic()

        def replaced() -> bool:
            if not self.app.alive():
                raise AssertionError(
                    f"the whole app stopped when one worker was killed:\n{log_tail(self.app.log)}"
                )
            pids = {w.pid for w in self.app.workers()}
            return len(pids) == WORKERS and victim.pid not in pids

        wait_until(replaced, timeout=20, what="granian to replace the killed worker")


def _db_cart(engine: Engine, username: str) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT i.name, l.quantity FROM cart_lines l JOIN carts c ON c.id = l.cart_id "
                "JOIN users u ON u.id = c.user_id JOIN items i ON i.id = l.item_id "
                "WHERE u.username = :name"
            ),
            {"name": username},
        ).all()
    return dict(rows)


def _db_money(engine: Engine, username: str) -> tuple[int, list[int]]:
    """The balance and the order totals of the user."""
    with engine.connect() as connection:
        balance = connection.execute(
            text(
                "SELECT coalesce(max(a.balance_cents), 0) FROM users u "
                "LEFT JOIN accounts a ON a.user_id = u.id WHERE u.username = :name"
            ),
            {"name": username},
        ).scalar_one()
        orders = connection.execute(
            text(
                "SELECT o.total_cents FROM orders o JOIN users u ON u.id = o.user_id "
                "WHERE u.username = :name ORDER BY o.id"
            ),
            {"name": username},
        ).scalars()
        return balance, list(orders)


def _expect_page_intact(page: Page, username: str, lines: dict[str, int], prices) -> None:
    """Through the navigation bar (each page's on_load runs on the current worker)."""
    account_link(page).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(account_link(page)).to_have_text(username)
    open_cart(page)
    expect(account_link(page)).to_have_text(username)
    expect_badge(page, sum(lines.values()))
    if lines:
        expect_cart(page, lines, prices)
    else:
        expect(page.get_by_text("Your cart is empty", exact=True)).to_be_visible()
        expect(cart_rows(page)).to_have_count(0)


@pytest.mark.browser
def test_session_and_cart_survive_killed_workers(
    browser, page: Page, app: AppServer, engine
) -> None:
    app.ensure(respawn=True)
    watch = SocketWatch(page)
    prices = item_prices(engine, [FIRST, SECOND])
    username = unique_username("scale")
    register_in_browser(page, app.url, username, watch)
    add_button(page, FIRST).click()
    expect_badge(page, 1)
    add_button(page, SECOND).click()
    expect_badge(page, 2)
    lines = {FIRST: 1, SECOND: 1}
    open_cart(page)
    expect_cart(page, lines, prices)
    deposit_cents = 50_000

    def increase() -> None:
        page.get_by_role("button", name=f"Increase quantity of {FIRST}", exact=True).click()
        lines[FIRST] += 1
        expect(quantity_of(page, FIRST)).to_have_text(str(lines[FIRST]))
        expect_badge(page, sum(lines.values()))
        assert _db_cart(engine, username) == lines

    def deposit() -> None:
        account_link(page).click()
        page.get_by_label("Amount", exact=True).fill(f"{deposit_cents / 100:.2f}")
        page.get_by_role("button", name="Deposit", exact=True).click()
        # The balance heading is named with its amount ("Balance: $500.00") since issue 12.
        amount = dollars(deposit_cents)
        balance = page.get_by_role("heading", name=f"Balance: {amount}", exact=True)
        expect(balance).to_contain_text(amount)
        assert _db_money(engine, username) == (deposit_cents, [])

    def checkout() -> None:
        open_cart(page)
        total = sum(prices[name] * quantity for name, quantity in lines.items())
        page.get_by_role("button", name="Checkout", exact=True).click()
        expect(page.locator("main").get_by_role("status")).to_contain_text(
            re.compile(r"Order #\d+ placed: " + re.escape(dollars(total)))
        )
        lines.clear()
        expect_badge(page, 0)
        assert _db_money(engine, username) == (deposit_cents - total, [total])
        assert _db_cart(engine, username) == {}

    actions = [increase, deposit, checkout]
    killer = Killer(app)
    candidates = app.workers()  # the workers that may hold the page's websocket
    kills = moves = 0
    while actions or moves < 2:
        assert kills < MAX_KILLS, f"the websocket moved only {moves} times in {kills} kills"
        victim, socket = candidates[0], watch.current
        killer.kill(victim)
        kills += 1
        try:
            wait_until(socket.is_closed, timeout=3, what="the websocket to drop", page=page)
            moved = True
        except AssertionError:
            moved = False
        if moved:
            moves += 1
            wait_until(
                lambda s=socket: watch.current is not s and watch.live(),
                timeout=30,
                what="the page to reconnect to another worker",
                page=page,
            )
            candidates = app.workers()
        else:  # it is on one of the other candidates
            candidates = [w for w in candidates if w.pid != victim.pid] or app.workers()
        _expect_page_intact(page, username, lines, prices)
        if actions:
            actions.pop(0)()
    assert moves >= 2
    print(f"{kills} workers killed; the websocket moved to another worker {moves} times")

    # A full page load after all that: the same session, the same (now empty) cart.
    goto_live(page, f"{app.url}/cart", watch)
    expect(account_link(page)).to_have_text(username)
    expect_badge(page, 0)
    check_money_invariants(engine)


@pytest.mark.browser
def test_full_restart_keeps_session_and_cart(browser, page: Page, app: AppServer, engine) -> None:
    if not app.alive():
        app.ensure(respawn=False)
    watch = SocketWatch(page)
    prices = item_prices(engine, [FIRST, SECOND])
    username = unique_username("restart")
    register_in_browser(page, app.url, username, watch)
    add_button(page, FIRST).click()
    expect_badge(page, 1)
    add_button(page, SECOND).click()
    expect_badge(page, 2)
    open_cart(page)
    expect_cart(page, {FIRST: 1, SECOND: 1}, prices)

    socket = watch.current
    app.stop()
    wait_until(socket.is_closed, timeout=10, what="the websocket to drop", page=page)
    app.start(respawn=False)  # the production command as shipped, same database and Redis

    # The open page reconnects by itself and works on: an event on the page it shows.
    wait_until(
        lambda: watch.current is not socket and watch.live(),
        timeout=60,
        what="the open page to reconnect after the restart",
        page=page,
    )
    expect(account_link(page)).to_have_text(username)
    page.get_by_role("button", name=f"Increase quantity of {SECOND}", exact=True).click()
    expect(quantity_of(page, SECOND)).to_have_text("2")
    expect_badge(page, 3)
    assert _db_cart(engine, username) == {FIRST: 1, SECOND: 2}

    # A fresh load (the restart rebuilt the frontend: the open page's route modules are
    # gone, and its next client-side navigation reloads it anyway): same session and cart.
    goto_live(page, f"{app.url}/cart", watch)
    _expect_page_intact(page, username, {FIRST: 1, SECOND: 2}, prices)
    page.get_by_role("button", name=f"Decrease quantity of {SECOND}", exact=True).click()
    expect(quantity_of(page, SECOND)).to_have_text("1")
    expect_badge(page, 2)
    assert _db_cart(engine, username) == {FIRST: 1, SECOND: 1}


def test_production_server_survives_a_worker_crash(app: AppServer) -> None:
    """Required: a worker that dies (OOM killer, segfault) is replaced; the others serve on.

    `make run-prod` (`reflex run --env prod`) builds granian's Server without
    respawn_failed_workers, so granian logs "Unexpected exit from worker-N" and shuts the
    whole server down, taking every user's connection with it.
    """
    app.ensure(respawn=False)
    assert http_status(app.url + "/ping") == 200
    Killer(app).kill(app.workers()[0])  # fails if the app stops instead
    assert http_status(app.url + "/ping") == 200
    assert http_status(app.url + "/") == 200


def test_pages_of_the_production_server_set_the_login_nonce(app: AppServer) -> None:
    """The login form binds its code to the nonce cookie that the page server sets (login CSRF
    defence): the single-port production server sets it with the page itself, once."""
    import urllib.request

    from fintech_ui.security import LOGIN_NONCE_COOKIE

    with urllib.request.urlopen(app.url + "/login", timeout=10) as first:  # noqa: S310
        cookies = first.headers.get_all("set-cookie") or []
    nonce = [c for c in cookies if c.startswith(f"{LOGIN_NONCE_COOKIE}=")]
    assert len(nonce) == 1, cookies
    assert "HttpOnly" in nonce[0] and "SameSite=Lax" in nonce[0]
    cookie = {"Cookie": nonce[0].split(";")[0]}
    again = urllib.request.Request(app.url + "/", headers=cookie)  # noqa: S310
    with urllib.request.urlopen(again, timeout=10) as second:  # noqa: S310
        assert not any(
            c.startswith(f"{LOGIN_NONCE_COOKIE}=")
            for c in second.headers.get_all("set-cookie") or []
        )
