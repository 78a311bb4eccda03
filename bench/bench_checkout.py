"""Checkout throughput with 50 concurrent buyers, against a plain Starlette reference.

`python -m bench.bench_checkout [--quick]`. For SQLite and for PostgreSQL (a fresh database
`fintech_bench_<uuid>` on 127.0.0.1, dropped afterwards; skipped when the server is down):

* the app: `POST /api/checkout` of `fintech_ui.api` (the FastAPI object the app mounts at /api)
  served by uvicorn in a subprocess, with a session token and an `Idempotency-Key` per request;
  the handler authenticates the token and calls `fintech_ui.services.orders.checkout`;
* the reference: a minimal Starlette app in its own uvicorn subprocess whose `POST /buy` does
  the same ORM work with plain SQLAlchemy in one transaction (read the cart lines with their
  prices, insert the order, conditional `UPDATE … WHERE stock >= :qty` per line in item order,
  the order lines, the conditional balance `UPDATE … WHERE balance_cents >= :total`, the ledger
  entry, delete the cart lines). It trusts an `X-User-Id` header instead of a session token;
* both are driven by the same httpx client with 50 concurrent connections, in ABBA order
  (twice, over quarters of the buyers) so that drift of a shared machine hits both alike; the
  user+system CPU of each server process per answer is reported too, being steadier than
  throughput on a shared machine, with the SQL statements, transactions and single-thread
  CPU of one request of each (counted with SQLAlchemy events on buyers kept aside);
* the service alone: 50 threads calling `orders.checkout(scope, …)` directly (no HTTP), for
  the breakdown of where the app's time goes (no target).

Each buyer is a user with a funded account (one deposit in the ledger) and a cart of two or
three lines. A few products are scarce (demand far above stock) and one buyer in ten cannot
afford the cart, so the conditional updates are exercised. Afterwards every database is
checked: no product sold beyond its stock (stock = initial - sold, never negative), no negative
balance, every balance equal to the sum of its ledger, one debit per order, and as many orders as
201 answers. Target (from the issue): app >= 0.6 x the reference's successful checkouts/s.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import figure as _figure
from bench.common import nearest_rank, write_results
from testsupport.processes import free_port

REPO = Path(__file__).resolve().parent.parent
NAME = "checkout"
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").is_dir() else sys.executable
PG_SERVER = os.environ.get(
    "FINTECH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CONCURRENCY = 50
TARGET_RATIO = 0.6
N_ITEMS = 40
N_SCARCE = 8
SCARCE_STOCK = 15
T0 = int(time.time())
SECRET = "bench-secret-" + "k" * 40
PEPPER = "bench-pepper-" + "p" * 40


# ---------------------------------------------------------------- results (self-contained)


def _log(message: str) -> None:
    print(f"[checkout {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- the reference server


def _reference_engine(url: str):
    """Plain SQLAlchemy; on SQLite the usual WAL + busy timeout, writers BEGIN IMMEDIATE."""
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reference_buy(engine, user_id: int, key: str, now: int) -> tuple[int, dict[str, Any]]:
    """The whole cart bought in one transaction: the same rows the app writes."""
    from sqlalchemy import delete, insert, select, update
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from fintech_ui.models import Account, Cart, CartLine, Item, LedgerEntry, Order, OrderLine

    try:
        with Session(engine) as db, db.begin():
            cart_id = db.execute(select(Cart.id).where(Cart.user_id == user_id)).scalar()
            rows = db.execute(
                select(
                    CartLine.item_id,
                    CartLine.quantity,
                    CartLine.seen_price_cents,
                    Item.price_cents,
                    Item.sku,
                    Item.name,
                    Item.stock,
                    Item.is_active,
                )
                .join(Item, Item.id == CartLine.item_id)
                .where(CartLine.cart_id == cart_id)
            ).all()
            if not rows:
                raise _Refused(422, "Your cart is empty.")
            for row in rows:
                if not row.is_active or row.quantity > row.stock:
                    raise _Refused(422, "Not enough stock.")
                if row.price_cents != row.seen_price_cents:
                    raise _Refused(409, "Prices changed.")
            total = sum(row.quantity * row.price_cents for row in rows)
            order_id = db.execute(
                insert(Order)
                .values(
                    user_id=user_id,
                    idempotency_key=key,
                    request_fingerprint="-",
                    total_cents=total,
                    created_at=now,
                )
                .returning(Order.id)
            ).scalar_one()
            for row in sorted(rows, key=lambda r: r.item_id):
                taken = db.execute(
                    update(Item)
                    .where(
                        Item.id == row.item_id,
                        Item.stock >= row.quantity,
                        Item.price_cents == row.price_cents,
                        Item.is_active.is_(True),
                    )
                    .values(stock=Item.stock - row.quantity)
                )
                if taken.rowcount != 1:
                    raise _Refused(422, "Not enough stock.")
            db.execute(
                insert(OrderLine),
                [
                    {
                        "order_id": order_id,
                        "item_id": row.item_id,
                        "sku": row.sku,
                        "name": row.name,
                        "unit_price_cents": row.price_cents,
                        "quantity": row.quantity,
                        "line_total_cents": row.quantity * row.price_cents,
                    }
                    for row in rows
                ],
            )
            balance = db.execute(
                update(Account)
                .where(Account.user_id == user_id, Account.balance_cents >= total)
                .values(balance_cents=Account.balance_cents - total)
                .returning(Account.balance_cents)
            ).scalar()
            if balance is None:
                raise _Refused(422, "Not enough money.")
            db.execute(
                insert(LedgerEntry).values(
                    user_id=user_id,
                    kind="purchase",
                    amount_cents=-total,
                    balance_after_cents=balance,
                    order_id=order_id,
                    created_at=now,
                )
            )
            db.execute(delete(CartLine).where(CartLine.cart_id == cart_id))
    except _Refused as exc:
        return exc.status, {"message": str(exc)}
    except IntegrityError:
        return 409, {"message": "Idempotency key already used."}
    return 201, {"id": order_id, "total_cents": total}


def reference_app():
    """`uvicorn --factory bench.bench_checkout:reference_app` (BENCH_REF_DATABASE_URL)."""
    from sqlalchemy import text
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    engine = _reference_engine(os.environ["BENCH_REF_DATABASE_URL"])

    async def buy(request: Request) -> JSONResponse:
        user_id = int(request.headers["x-user-id"])
        key = request.headers["idempotency-key"]
        status, body = await run_in_threadpool(
            _reference_buy, engine, user_id, key, int(time.time())
        )
        return JSONResponse(body, status_code=status)

    def _ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def health(_request: Request) -> JSONResponse:
        await run_in_threadpool(_ping)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/buy", buy, methods=["POST"]), Route("/health", health, methods=["GET"])]
    )


def api_app():
    """`uvicorn --factory bench.bench_checkout:api_app`: the app's JSON API, mounted at /api."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from fintech_ui.api import api

    return Starlette(routes=[Mount("/api", app=api)])


# ---------------------------------------------------------------- data


@dataclass
class Buyer:
    """One user with a funded account and a cart; `token` for the app's API."""

    user_id: int
    token: str
    balance_cents: int
    cart_total_cents: int


@dataclass
class Workload:
    """What was seeded into one database."""

    url: str
    buyers: list[Buyer]
    initial_stock: dict[int, int]
    initial_balance: dict[int, int]


def _seed(url: str, n_buyers: int, *, seed: int = 5) -> Workload:
    """Products, buyers (user, account, one deposit, session, cart) in one transaction."""
    from sqlalchemy import insert

    from fintech_ui.db import make_engine, migrate
    from fintech_ui.models import (
        Account,
        AuthSession,
        Cart,
        CartLine,
        Item,
        LedgerEntry,
        User,
    )
    from fintech_ui.security import TokenClaims, issue_token

    migrate(url)
    rng = random.Random(seed)  # the same workload for every database
    items = []
    for index in range(1, N_ITEMS + 1):
        items.append(
            {
                "id": index,
                "sku": f"B-{index:04d}",
                "name": f"Bench Product {index:04d}",
                "name_key": f"bench product {index:04d}",
                "category": "fund",
                "description": "",
                "price_cents": rng.randint(100, 20_000),
                "stock": SCARCE_STOCK if index <= N_SCARCE else 1_000_000,
                "risk_level": 3,
                "is_active": True,
            }
        )
    price = {item["id"]: item["price_cents"] for item in items}
    users, accounts, ledger, sessions, carts, lines, buyers = [], [], [], [], [], [], []
    for number in range(1, n_buyers + 1):
        chosen = rng.sample(range(N_SCARCE + 1, N_ITEMS + 1), rng.choice((2, 3)))
        if rng.random() < 0.3:
            chosen[0] = rng.randint(1, N_SCARCE)
        quantities = {item_id: rng.randint(1, 3) for item_id in chosen}
        total = sum(price[item_id] * qty for item_id, qty in quantities.items())
        balance = total - 1 if rng.random() < 0.1 else total + rng.randint(0, 50_000)
        jti = secrets.token_urlsafe(18)
        users.append(
            {
                "id": number,
                "username": f"buyer{number:05d}",
                "username_key": f"buyer{number:05d}",
                "password_hash": "x",
                "is_active": True,
                "created_at": T0,
            }
        )
        accounts.append({"user_id": number, "balance_cents": balance})
        ledger.append(
            {
                "user_id": number,
                "kind": "deposit",
                "amount_cents": balance,
                "balance_after_cents": balance,
                "order_id": None,
                "created_at": T0,
            }
        )
        sessions.append(
            {
                "jti": jti,
                "user_id": number,
                "created_at": T0,
                "last_seen_at": T0,
                "expires_at": T0 + 12 * 3600,
                "revoked_at": None,
            }
        )
        carts.append({"id": number, "user_id": number, "visitor_token": None, "updated_at": T0})
        lines += [
            {
                "cart_id": number,
                "item_id": item_id,
                "quantity": qty,
                "seen_price_cents": price[item_id],
                "added_at": T0 + position,
            }
            for position, (item_id, qty) in enumerate(quantities.items())
        ]
        claims = TokenClaims(sub=str(number), jti=jti, iat=T0, exp=T0 + 12 * 3600)
        buyers.append(Buyer(number, issue_token(claims, key=SECRET.encode()), balance, total))
    engine = make_engine(url)
    with engine.begin() as connection:
        for model, rows in (
            (Item, items),
            (User, users),
            (Account, accounts),
            (LedgerEntry, ledger),
            (AuthSession, sessions),
            (Cart, carts),
            (CartLine, lines),
        ):
            connection.execute(insert(model), rows)
        if engine.dialect.name == "postgresql":
            for table in ("items", "users", "carts"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return Workload(
        url=url,
        buyers=buyers,
        initial_stock={item["id"]: item["stock"] for item in items},
        initial_balance={b.user_id: b.balance_cents for b in buyers},
    )


def _check_invariants(workload: Workload, created: int) -> dict[str, int]:
    """Violations found in the database after a run (all zero when the money is right)."""
    from sqlalchemy import func, select

    from fintech_ui.db import make_engine
    from fintech_ui.models import Account, Item, LedgerEntry, Order, OrderLine

    engine = make_engine(workload.url)
    try:
        with engine.connect() as db:
            stock = dict(db.execute(select(Item.id, Item.stock)).all())
            sold = dict(
                db.execute(
                    select(OrderLine.item_id, func.sum(OrderLine.quantity)).group_by(
                        OrderLine.item_id
                    )
                ).all()
            )
            balances = dict(db.execute(select(Account.user_id, Account.balance_cents)).all())
            ledger_sums = dict(
                db.execute(
                    select(LedgerEntry.user_id, func.sum(LedgerEntry.amount_cents)).group_by(
                        LedgerEntry.user_id
                    )
                ).all()
            )
            orders = db.execute(select(Order.id, Order.user_id, Order.total_cents)).all()
            debits = dict(
                db.execute(
                    select(LedgerEntry.order_id, func.sum(LedgerEntry.amount_cents))
                    .where(LedgerEntry.kind == "purchase")
                    .group_by(LedgerEntry.order_id)
                ).all()
            )
            line_totals = dict(
                db.execute(
                    select(OrderLine.order_id, func.sum(OrderLine.line_total_cents)).group_by(
                        OrderLine.order_id
                    )
                ).all()
            )
    finally:
        engine.dispose()
    spent: dict[int, int] = {}
    for _order_id, user_id, total in orders:
        spent[user_id] = spent.get(user_id, 0) + total
    return {
        "negative stock": sum(1 for value in stock.values() if value < 0),
        "oversold products": sum(
            1
            for item_id, initial in workload.initial_stock.items()
            if sold.get(item_id, 0) > initial or stock[item_id] != initial - sold.get(item_id, 0)
        ),
        "negative balances": sum(1 for value in balances.values() if value < 0),
        "balance != ledger sum": sum(
            1 for user_id, value in balances.items() if value != ledger_sums.get(user_id, 0)
        ),
        "balance != initial - spent": sum(
            1
            for user_id, value in balances.items()
            if value != workload.initial_balance.get(user_id, 0) - spent.get(user_id, 0)
        ),
        "orders without exactly their debit": sum(
            1
            for order_id, _user, total in orders
            if debits.get(order_id) != -total or line_totals.get(order_id) != total
        ),
        "orders != 201 answers": abs(len(orders) - created),
    }


# ---------------------------------------------------------------- servers and load


@contextmanager
def _server(factory: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """uvicorn serving `bench.bench_checkout:<factory>` in a subprocess: (base URL, pid)."""
    import httpx

    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in the finally below)
        prefix=f"bench-{factory}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "--factory",
            f"bench.bench_checkout:{factory}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited: {Path(log.name).read_text()[-2000:]}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@dataclass
class RunResult:
    """Answers of one timed run."""

    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: RunResult) -> None:
        self.seconds += other.seconds
        self.server_cpu_seconds += other.server_cpu_seconds
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.latencies_ms += other.latencies_ms

    @property
    def ok(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())


async def _drive(requests: list[tuple[str, dict[str, str]]], warmup_url: str) -> RunResult:
    """POST every request with CONCURRENCY connections; wall time of the whole batch."""
    import httpx

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    result = RunResult()
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await asyncio.gather(*(client.get(warmup_url) for _ in range(CONCURRENCY)))
        queue: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue()
        for request in requests:
            queue.put_nowait(request)

        async def worker() -> None:
            while not queue.empty():
                url, headers = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(url, headers=headers)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[response.status_code] = (
                    result.statuses.get(response.status_code, 0) + 1
                )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        result.seconds = time.perf_counter() - started
    return result


def _app_requests(base: str, buyers: list[Buyer]) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            base + "/api/checkout",
            {"x-access-tokens": b.token, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
        )
        for b in buyers
    ]


def _reference_requests(base: str, buyers: list[Buyer]) -> list[tuple[str, dict[str, str]]]:
    return [
        (base + "/buy", {"x-user-id": str(b.user_id), "Idempotency-Key": uuid.uuid4().hex})
        for b in buyers
    ]


def _run_direct(workload: Workload, buyers: list[Buyer]) -> RunResult:
    """CONCURRENCY threads calling orders.checkout(scope, …) on the app's engine settings."""
    from fintech_ui.db import make_engine, session_scope
    from fintech_ui.services.orders import CheckoutError, checkout

    engine = make_engine(workload.url)
    scope = functools.partial(session_scope, engine)

    with engine.connect():
        pass
    result = RunResult()
    lock = threading.Lock()
    pending = list(buyers)

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                buyer = pending.pop()
            started = time.perf_counter()
            try:
                checkout(
                    scope,
                    user_id=buyer.user_id,
                    idempotency_key=f"bench-{uuid.uuid4().hex}",
                    now=int(time.time()),
                )
                status = 201
            except CheckoutError:
                status = 422
            except Exception:  # a lock timeout or another failure: counted, not hidden
                status = 500
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    engine.dispose()
    return result


# ---------------------------------------------------------------- one backend


@contextmanager
def _databases(backend: str, workdir: Path, names: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """A fresh database per name: SQLite files, or PostgreSQL databases dropped afterwards."""
    if backend == "sqlite":
        yield {name: f"sqlite:///{workdir / f'{name}.db'}" for name in names}
        return
    import sqlalchemy

    admin = sqlalchemy.create_engine(
        PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    created: list[str] = []
    try:
        urls = {}
        with admin.connect() as connection:
            for name in names:
                database = f"fintech_bench_{uuid.uuid4().hex[:12]}"
                connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
                created.append(database)
                urls[name] = (
                    sqlalchemy.make_url(PG_SERVER)
                    .set(database=database)
                    .render_as_string(hide_password=False)
                )
        yield urls
    finally:
        with admin.connect() as connection:
            for database in created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def _summary(result: RunResult) -> str:
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
    text = (
        f"{result.ok} orders in {result.seconds:.2f} s ({result.answered / result.seconds:.0f} "
        f"answers/s; {statuses}); latency p50 {nearest_rank(result.latencies_ms, 50):.0f} ms, "
        f"p99 {nearest_rank(result.latencies_ms, 99):.0f} ms"
    )
    if result.server_cpu_seconds:
        text += f"; server CPU {_cpu_per_answer(result):.1f} ms per answer"
    return text


def _cpu_per_answer(result: RunResult) -> float:
    return result.server_cpu_seconds * 1000 / max(1, result.answered)


def _process_cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


@dataclass
class Work:
    """Database work and CPU per checkout request, one request at a time, in this process."""

    statements: float
    transactions: float
    connection_checkouts: float
    cpu_ms: dict[str, float]

    def __str__(self) -> str:
        cpu = ", ".join(f"{phase} {ms:.1f}" for phase, ms in self.cpu_ms.items())
        return (
            f"{self.statements:.1f} SQL statements in {self.transactions:.1f} transactions "
            f"({self.connection_checkouts:.1f} pool checkouts); CPU ms without HTTP: {cpu}"
        )


def _count_work(url: str, buyers: list[Buyer], *, reference: bool) -> Work:
    """What one request does to the database: the app's handler steps, or the reference's."""
    from sqlalchemy import event

    from fintech_ui.db import make_engine, session_scope
    from fintech_ui.services.orders import checkout, get_order
    from fintech_ui.services.sessions import resolve_session
    from fintech_ui.settings import load_settings

    engine = _reference_engine(url) if reference else make_engine(url)
    counts = {"statements": 0, "transactions": 0, "checkouts": 0}

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            counts["statements"] += 1

    def on_begin(_conn) -> None:
        counts["transactions"] += 1

    def on_checkout(*_args) -> None:
        counts["checkouts"] += 1

    scope = functools.partial(session_scope, engine)

    cpu: dict[str, float] = {}

    def timed(phase: str, fn, *args, **kwargs):
        started = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            cpu[phase] = cpu.get(phase, 0.0) + time.thread_time() - started

    def authenticate(token: str, now: int):
        with scope() as db:
            return resolve_session(db, token, settings=settings, now=now)

    def reread(user_id: int, order_id: int):
        with scope(read_only=True) as db:
            return get_order(db, user_id=user_id, order_id=order_id)

    saved = {
        name: os.environ.get(name) for name in ("FINTECH_SECRET_KEY", "FINTECH_PASSWORD_PEPPER")
    }
    os.environ.update({"FINTECH_SECRET_KEY": SECRET, "FINTECH_PASSWORD_PEPPER": PEPPER})
    try:
        settings = load_settings()
        with engine.connect():  # the first connection's set-up is not a request's work
            pass
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "begin", on_begin)
        event.listen(engine.pool, "checkout", on_checkout)
        for buyer in buyers:
            now = int(time.time())
            if reference:
                timed("reference", _reference_buy, engine, buyer.user_id, uuid.uuid4().hex, now)
                continue
            # As fintech_ui.api.checkout: current_user, orders.checkout, then get_order.
            user = timed("auth", authenticate, buyer.token, now)
            order = timed(
                "checkout",
                checkout,
                scope,
                user_id=user.id,
                idempotency_key=f"bench-{uuid.uuid4().hex}",
                now=now,
            )
            timed("get_order", reread, user.id, order.id)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        engine.dispose()
    n = max(1, len(buyers))
    return Work(
        counts["statements"] / n,
        counts["transactions"] / n,
        counts["checkouts"] / n,
        {phase: seconds * 1000 / n for phase, seconds in cpu.items()},
    )


def _bench_backend(backend: str, workdir: Path, n_buyers: int) -> tuple[list[dict], dict]:
    figures: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    probe = 40  # buyers kept aside per database to count the work of one request
    with _databases(backend, workdir, ("reference", "app", "direct")) as urls:
        _log(f"{backend}: seeding {n_buyers} buyers in three databases")
        loads = {name: _seed(url, n_buyers + probe) for name, url in urls.items()}
        probes = {  # affordable buyers outside the timed runs
            name: [b for b in load.buyers[n_buyers:] if b.balance_cents >= b.cart_total_cents]
            for name, load in loads.items()
        }
        app_work = _count_work(urls["app"], probes["app"], reference=False)
        ref_work = _count_work(urls["reference"], probes["reference"], reference=True)
        app_env = {
            "FINTECH_DATABASE_URL": urls["app"],
            "FINTECH_DATA_DIR": str(workdir / "data"),
            "FINTECH_SECRET_KEY": SECRET,
            "FINTECH_PASSWORD_PEPPER": PEPPER,
            "FINTECH_ENV": "production",
            "FINTECH_ALLOWED_ORIGINS": "http://127.0.0.1",  # production refuses "*" or none
        }
        ref_env = {"BENCH_REF_DATABASE_URL": urls["reference"]}
        reference, app = RunResult(), RunResult()
        parts = 4
        size = -(-n_buyers // parts)
        with (
            _server("reference_app", ref_env) as (ref_url, ref_pid),
            _server("api_app", app_env) as (app_url, app_pid),
        ):
            # ABBA twice over quarters of the buyers: drift on a shared machine hits both alike.
            order = [("reference", 0), ("app", 0), ("app", 1), ("reference", 1)]
            order += [("reference", 2), ("app", 2), ("app", 3), ("reference", 3)]
            for side, part in order:
                chosen = slice(part * size, min(n_buyers, (part + 1) * size))
                if side == "reference":
                    requests = _reference_requests(ref_url, loads["reference"].buyers[chosen])
                    pid, warm, total = ref_pid, ref_url + "/health", reference
                else:
                    requests = _app_requests(app_url, loads["app"].buyers[chosen])
                    pid, warm, total = app_pid, app_url + "/api/items?per_page=1", app
                cpu_before = _process_cpu(pid)
                run = asyncio.run(_drive(requests, warm))
                run.server_cpu_seconds = _process_cpu(pid) - cpu_before
                total.add(run)
                _log(f"{backend} {side} part {part + 1}: {_summary(run)}")
        _log(f"{backend}: service only, {CONCURRENCY} threads")
        direct = _run_direct(loads["direct"], loads["direct"].buyers[:n_buyers])
        _log(f"{backend} service only: {_summary(direct)}")
        violations = {
            "reference": _check_invariants(
                loads["reference"], reference.ok + len(probes["reference"])
            ),
            "app": _check_invariants(loads["app"], app.ok + len(probes["app"])),
            "direct": _check_invariants(loads["direct"], direct.ok),
        }
    ref_rate, app_rate = reference.ok / reference.seconds, app.ok / app.seconds
    direct_rate = direct.ok / direct.seconds
    figures.append(
        _figure(
            f"{backend}: checkout orders/s, {CONCURRENCY} concurrent buyers, POST /api/checkout",
            app_rate,
            "orders/s",
            reference_label="plain Starlette + SQLAlchemy POST /buy, same ORM work",
            reference_value=ref_rate,
            target=f">= {TARGET_RATIO}x reference",
            met=app_rate >= TARGET_RATIO * ref_rate,
            notes=f"app: {_summary(app)}; per request {app_work}. "
            f"reference: {_summary(reference)}; per request {ref_work}. "
            "The app also checks a session token (one more transaction) and re-reads the "
            "order with its lines (one more); the reference trusts an X-User-Id header.",
        )
    )
    figures.append(
        _figure(
            f"{backend}: checkout orders/s, service only ({CONCURRENCY} threads, no HTTP)",
            direct_rate,
            "orders/s",
            reference_label="plain Starlette + SQLAlchemy POST /buy (over HTTP)",
            reference_value=ref_rate,
            notes=f"orders.checkout(scope, …) called directly: {_summary(direct)}",
        )
    )
    figures.append(
        _figure(
            f"{backend}: server CPU per checkout request",
            _cpu_per_answer(app),
            "ms",
            reference_label="plain Starlette + SQLAlchemy POST /buy",
            reference_value=_cpu_per_answer(reference),
            notes="user+system CPU of the uvicorn process over the timed runs / answers; "
            "less noisy than throughput on a shared machine. Single-thread CPU without HTTP: "
            f"app {app_work.cpu_ms}, reference {ref_work.cpu_ms} (ms).",
        )
    )
    app_paths = [violations["app"], violations["direct"]]
    for check, label in (
        ("oversold products", "products sold beyond their stock"),
        ("negative balances", "negative balances"),
        ("balance != ledger sum", "balances != sum of their ledger"),
    ):
        extra = ""
        if check == "oversold products":
            extra = (
                "; a product counts when sold > initial stock or stock != initial - sold; "
                f"negative stock: {sum(v['negative stock'] for v in app_paths)}"
            )
        elif check == "balance != ledger sum":
            extra = "; " + ", ".join(
                f"{name}: {sum(v[name] for v in app_paths)}"
                for name in (
                    "balance != initial - spent",
                    "orders without exactly their debit",
                    "orders != 201 answers",
                )
            )
        count = sum(v[check] for v in app_paths)
        figures.append(
            _figure(
                f"{backend}: {label} after the app's checkouts",
                count,
                "count",
                target="= 0",
                met=count == 0,
                notes=f"over the HTTP and service-only runs ({app.ok + direct.ok} orders; "
                f"{N_SCARCE} products with stock {SCARCE_STOCK} under far higher demand, "
                f"1 buyer in 10 short of money){extra}",
            )
        )
    meta[backend] = {
        "buyers": n_buyers,
        "violations": violations,
        "reference": _summary(reference),
        "app": _summary(app),
        "direct": _summary(direct),
        "work_per_request": {"app": str(app_work), "reference": str(ref_work)},
        "server_cpu_ms_per_answer": {
            "app": round(_cpu_per_answer(app), 2),
            "reference": round(_cpu_per_answer(reference), 2),
        },
    }
    return figures, meta


def _postgres_reachable() -> bool:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    engine = sqlalchemy.create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def main(quick: bool = False) -> None:
    """Run the app and the reference on SQLite and PostgreSQL; write bench/results/checkout.json."""
    workdir = Path(tempfile.mkdtemp(prefix="fintech-bench-checkout-"))
    os.environ.setdefault("FINTECH_DATA_DIR", str(workdir / "data"))
    os.environ.setdefault("FINTECH_DATABASE_URL", f"sqlite:///{workdir / 'unused.db'}")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    n_buyers = 300 if quick else 800
    figures: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"quick": quick, "concurrency": CONCURRENCY}
    try:
        for backend in ("sqlite", "postgres"):
            if backend == "postgres" and not _postgres_reachable():
                meta["postgres"] = "unreachable: skipped"
                continue
            found, info = _bench_backend(backend, workdir, n_buyers)
            figures += found
            meta.update(info)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    path = write_results(NAME, figures, meta)
    for fig in figures:
        print(
            f"{fig['figure']}: {fig['value']} {fig['unit']} (ref {fig['reference_value']}, "
            f"x{fig['ratio']}) target {fig['target']} met={fig['met']}"
        )
    print(f"written: {path}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
