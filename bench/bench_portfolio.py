"""Portfolio load with a year of history: 2,000 orders and sales over 200 products, on SQLite.

Two figures. (1) The event round trip the issue names: the app runs as in production
(`reflex run --env prod`, one granian worker) and one logged-in tab sends
`PortfolioState.load` over the websocket (session check, the whole read model, the state delta
with every chart's points); reference: the bare echo server's round trip measured right beside
each event. (2) The read model alone, in this process, against its raw SQL (below).

`python -m bench.bench_portfolio [--quick]` (also run by `python -m bench.run`). A fresh SQLite
database gets 200 products with a year of daily prices each (73,000 price points) and one
investor whose 2,000 orders and sales (and the deposits that pay for them) are spread over
the past year, made through the app's own use cases.

Timed: `fintech_ui.services.portfolio.portfolio` — everything /portfolio shows (holdings,
totals, allocation, the daily value series, monthly flows, return and volatility) — in a
read-only session on the app's engine, plus turning the view into JSON as the page state is
sent. Reference: the statements one load sends to the driver (recorded from the app's engine,
so they are the app's SQL and parameters whatever the read model runs), replayed through the
raw sqlite3 driver back to back in one deferred transaction. Target (issue 11): <= 50 ms p99
for the whole load.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.common import figure, nearest_rank, write_results

NAME = "portfolio"
TARGET_MS = 50.0
PRODUCTS = 200
OPERATIONS = 2_000
DAY = 86_400


def _prepare_environment(data_dir: Path) -> None:
    os.environ.setdefault("FINTECH_DATA_DIR", str(data_dir))
    os.environ.setdefault("FINTECH_DATABASE_URL", f"sqlite:///{data_dir / 'unused.db'}")
    os.environ.setdefault("FINTECH_ENV", "test")
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)


def _log(message: str) -> None:
    print(f"[portfolio {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed(url: str, *, now: int, operations: int = OPERATIONS, rng_seed: int = 11) -> int:
    """Products with a year of prices and one investor with `operations` orders and sales;
    returns the investor's user id."""
    from sqlmodel import Session

    from fintech_ui.db import make_engine, migrate, session_scope
    from fintech_ui.models import CATEGORIES, Account, Item, User
    from fintech_ui.services import cart as carts
    from fintech_ui.services import ledger, orders, prices, trading

    migrate(url)
    engine = make_engine(url)
    rng = random.Random(rng_seed)
    with session_scope(engine) as db:
        items = [
            Item(
                sku=f"BENCH-{n:04d}",
                name=f"Bench Product {n:04d}",
                name_key=f"bench product {n:04d}",
                category=CATEGORIES[n % len(CATEGORIES)],
                description="Benchmark product.",
                price_cents=rng.randint(500, 50_000),
                stock=1_000_000,
                risk_level=1 + n % 5,
            )
            for n in range(PRODUCTS)
        ]
        db.add_all(items)
        user = User(
            username="bench_investor",
            username_key="bench_investor",
            password_hash="x",  # noqa: S106  (never logs in)
            created_at=now - 400 * DAY,
        )
        db.add(user)
        db.flush()
        db.add(Account(user_id=user.id, balance_cents=0))
        prices.add_demo_history(db, item_ids=[i.id for i in items], now=now)
        item_ids, user_id = [i.id for i in items], user.id
    owner = carts.CartOwner(user_id=user_id)
    times = sorted(rng.randrange(now - 364 * DAY, now - 60) for _ in range(operations))
    held: dict[int, int] = {}
    for n, at in enumerate(times):
        with session_scope(engine) as db:
            if held and rng.random() < 0.3:
                item_id = rng.choice(list(held))
                units = rng.randint(1, held[item_id])
                trading.sell(
                    db,
                    user_id=user_id,
                    item_id=item_id,
                    units=units,
                    idempotency_key=f"bench-sale-{n:05d}",
                    now=at,
                )
                held[item_id] -= units
                if not held[item_id]:
                    del held[item_id]
                continue
            item_id, quantity = rng.choice(item_ids), rng.randint(1, 5)
            price = db.get(Item, item_id).price_cents
            while ledger.balance_cents(db, user_id=user_id) < price * quantity:
                ledger.deposit(
                    db,
                    user_id=user_id,
                    amount_cents=ledger.MAX_DEPOSIT_CENTS,
                    idempotency_key=f"bench-deposit-{n:05d}",
                    now=at,
                )
            carts.add_item(db, owner, item_id=item_id, quantity=quantity, now=at)
            orders.place_order(
                db, user_id=user_id, idempotency_key=f"bench-order-{n:05d}", item_id=item_id, now=at
            )
            held[item_id] = held.get(item_id, 0) + quantity
    with Session(engine) as db:
        db.connection().exec_driver_sql("ANALYZE")
        db.commit()
    engine.dispose()
    return user_id


def _app_statements(engine: Any, user_id: int, now: int) -> list[tuple[str, Any]]:
    """Every statement one portfolio load sends to the driver, with its parameters (BEGIN and
    the pragmas go straight to the driver and are left out: the reference issues its own)."""
    from sqlalchemy import event

    from fintech_ui.db import session_scope
    from fintech_ui.services.portfolio import portfolio

    seen: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(engine, read_only=True) as db:
            portfolio(db, user_id=user_id, now=now)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen, "the load ran no SQL through the engine"
    return seen


def measure(url: str, sqlite_file: str, user_id: int, now: int, repeat: int) -> dict[str, Any]:
    """p50/p99 of the app's load and of the raw SQL, interleaved request by request."""
    from fintech_ui.db import make_engine, session_scope
    from fintech_ui.services.portfolio import portfolio

    engine = make_engine(url)
    raw = sqlite3.connect(sqlite_file, isolation_level=None)
    statements = _app_statements(engine, user_id, now)
    app_s, raw_s, view = [], [], None
    for n in range(repeat + 10):
        started = time.perf_counter()
        with session_scope(engine, read_only=True) as db:
            view = portfolio(db, user_id=user_id, now=now)
        json.dumps(dataclasses.asdict(view))
        app = time.perf_counter() - started
        started = time.perf_counter()
        raw.execute("BEGIN DEFERRED")
        for sql, params in statements:
            raw.execute(sql, params).fetchall()
        raw.execute("COMMIT")
        reference = time.perf_counter() - started
        if n >= 10:  # warm-up
            app_s.append(app)
            raw_s.append(reference)
    raw.close()
    engine.dispose()
    assert view is not None
    return {
        "app_p50": nearest_rank(app_s, 50) * 1000,
        "app_p99": nearest_rank(app_s, 99) * 1000,
        "raw_p50": nearest_rank(raw_s, 50) * 1000,
        "raw_p99": nearest_rank(raw_s, 99) * 1000,
        "statements": len(statements),
        "holdings": len(view.holdings),
        "series_days": len(view.value_series),
        "months": len(view.flows),
    }


PORTFOLIO_STATE = "reflex___state____state.fintech_ui___state___portfolio____portfolio_state"


def _session_cookie(url: str, user_id: int) -> str:
    """A live session of the investor, as the browser's Cookie header (settings from env)."""
    from fintech_ui.db import make_engine, session_scope
    from fintech_ui.models import User
    from fintech_ui.security import SESSION_COOKIE
    from fintech_ui.services.sessions import create_session
    from fintech_ui.settings import get_settings

    get_settings.cache_clear()  # the server's keys, from the environment just set
    engine = make_engine(url)
    with session_scope(engine) as db:
        user = db.get(User, user_id)
        token = create_session(db, user=user, settings=get_settings(), now=int(time.time()))
    engine.dispose()
    return f"{SESSION_COOKIE}={token}"


async def _round_trips(app_url: str, echo_url: str, cookie: str, repeat: int):
    from bench.ws_client import ReflexSession, any_update, has_delta_for

    app = await ReflexSession.connect(app_url, cookie=cookie)
    echo = await ReflexSession.connect(echo_url)
    done = has_delta_for(PORTFOLIO_STATE)
    try:
        await app.hydrate("/portfolio")
        app_s, echo_s, sizes = [], [], []
        for n in range(repeat + 5):
            echo_result = await echo.call("echo", {}, done=any_update)
            result = await app.call(f"{PORTFOLIO_STATE}.load", path="/portfolio", done=done)
            if n >= 5:
                app_s.append(result.latency_s)
                echo_s.append(echo_result.latency_s)
                sizes.append(result.bytes_received)
        return app_s, echo_s, sizes
    finally:
        await app.close()
        await echo.close()


def measure_events(operations: int, repeat: int) -> dict[str, Any]:
    """The websocket round trip of PortfolioState.load against a production server."""
    import asyncio

    from bench.echo_server import EchoServer

    with common.bench_database("sqlite") as env:
        os.environ.update(env)
        url = env["FINTECH_DATABASE_URL"]
        user_id = seed(url, now=int(time.time()), operations=operations)
        cookie = _session_cookie(url, user_id)
        with EchoServer() as echo_server, common.ProductionApp(env, workers=1) as app_server:
            _log(f"app at {app_server.url}: timing {repeat} PortfolioState.load events")
            app_s, echo_s, sizes = asyncio.run(
                _round_trips(app_server.url, echo_server.url, cookie, repeat)
            )
            command = app_server.command
    return {
        "app_p50": nearest_rank(app_s, 50) * 1000,
        "app_p99": nearest_rank(app_s, 99) * 1000,
        "echo_p99": nearest_rank(echo_s, 99) * 1000,
        "bytes": max(sizes),
        "command": command,
    }


def main(quick: bool = False) -> None:
    """Seed, time the portfolio load against its raw SQL, write bench/results/portfolio.json."""
    workdir = Path(tempfile.mkdtemp(prefix="fintech-bench-portfolio-"))
    _prepare_environment(workdir)
    now = int(time.time())
    operations = 400 if quick else OPERATIONS
    repeat = 50 if quick else 300
    try:
        sqlite_file = workdir / "portfolio.db"
        url = f"sqlite:///{sqlite_file}"
        _log(f"seeding {PRODUCTS} products with a year of prices and {operations} orders/sales")
        started = time.perf_counter()
        user_id = seed(url, now=now, operations=operations)
        seed_s = time.perf_counter() - started
        _log(f"timing {repeat} portfolio loads")
        found = measure(url, str(sqlite_file), user_id, now, repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _log("timing the event round trip against a production server")
    events = measure_events(operations, 50 if quick else 300)
    figures = [
        figure(
            "PortfolioState.load event round trip, all charts (SQLite) p99",
            events["app_p99"],
            "ms",
            reference_label="echo server round trip p99",
            reference_value=events["echo_p99"],
            target=f"<= {TARGET_MS:.0f} ms",
            met=events["app_p99"] <= TARGET_MS,
            notes=f"p50 {events['app_p50']:.1f} ms; largest update {events['bytes']:,} bytes; "
            f"{events['command']}",
        ),
        figure(
            "Portfolio read model, all charts (SQLite) p99",
            found["app_p99"],
            "ms",
            reference_label="same SQL, raw sqlite3, p99",
            reference_value=found["raw_p99"],
            target=f"<= {TARGET_MS:.0f} ms",
            met=found["app_p99"] <= TARGET_MS,
            notes=f"p50 {found['app_p50']:.1f} ms (raw {found['raw_p50']:.1f} ms, "
            f"{found['statements']} statements); "
            f"{found['holdings']} holdings, {found['series_days']} days, {found['months']} months",
        ),
    ]
    meta = {
        "quick": quick,
        "products": PRODUCTS,
        "operations": operations,
        "repeat": repeat,
        "seed_seconds": round(seed_s, 1),
    }
    write_results(NAME, figures, meta)
    for fig in figures:
        print(
            f"{fig['figure']}: {fig['value']} ms (raw {fig['reference_value']} ms) "
            f"target {fig['target']} met={fig['met']}; {fig['notes']}"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
