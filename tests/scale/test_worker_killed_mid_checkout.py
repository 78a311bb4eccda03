"""A worker killed in the middle of a checkout leaves nothing behind; the retry buys once.

The checkout runs in a separate process (tests/scale/_checkout_worker.py) through the app's own
`session_scope`. It is stopped at the very end of `place_order` — stock taken, balance debited,
order, order lines and ledger entry written and flushed, the bought cart lines deleted — and
SIGKILLed there, before the commit, as the OOM killer or a crashed host would. The database
must then be exactly as before, and retrying with the same idempotency key (as the browser
does after reconnecting) must produce one order, and replaying it again the same order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from scale_support import (
    PYTHON,
    REPO,
    SCALE_DIR,
    check_money_invariants,
    clean_environ,
    postgres_database,
    scope_for,
    snapshot,
    wait_until,
)
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from fintech_ui.db import make_engine, migrate
from fintech_ui.models import Account, Item, LedgerEntry, Order, OrderLine, User
from fintech_ui.services import cart as carts
from fintech_ui.services.ledger import deposit
from fintech_ui.services.orders import checkout

pytestmark = pytest.mark.scale

T0 = 1_700_000_000
KEY = "retry-after-crash-0001"
VICTIM = "fintech-checkout-victim"  # application_name of the killed process's connection
BALANCE = 500_000
PRODUCTS = {"SCALE-A": (12_345, 40, 3), "SCALE-B": (6_789, 25, 2)}  # sku: price, stock, qty


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database: a SQLite file, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'checkout.db'}"
        migrate(url)
        yield url
        return
    with postgres_database() as url:
        migrate(url)
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _prepare(engine: Engine) -> tuple[int, int]:
    """A user with a balance and a cart of two lines; returns (user id, cart total)."""
    scope = scope_for(engine)
    with scope() as db:
        user = User(username="crashy", username_key="crashy", password_hash="x", created_at=T0)
        db.add(user)
        db.flush()
        db.add(Account(user_id=user.id, balance_cents=0))
        db.flush()
        deposit(
            db, idempotency_key=uuid.uuid4().hex, user_id=user.id, amount_cents=BALANCE // 2, now=T0
        )
        deposit(
            db,
            idempotency_key=uuid.uuid4().hex,
            user_id=user.id,
            amount_cents=BALANCE // 2,
            now=T0 + 1,
        )
        total = 0
        for sku, (price, stock, quantity) in PRODUCTS.items():
            item = Item(
                sku=sku,
                name=f"Product {sku}",
                name_key=f"product {sku.lower()}",
                category="fund",
                price_cents=price,
                stock=stock,
                risk_level=2,
            )
            db.add(item)
            db.flush()
            carts.add_item(
                db, carts.CartOwner(user_id=user.id), item_id=item.id, quantity=quantity, now=T0
            )
            total += price * quantity
        return user.id, total


def _worker_env(database_url: str, data_dir: Path) -> dict[str, str]:
    if database_url.startswith("postgresql"):
        separator = "&" if "?" in database_url else "?"
        database_url = f"{database_url}{separator}application_name={VICTIM}"
    return clean_environ(
        FINTECH_DATABASE_URL=database_url,
        FINTECH_DATA_DIR=str(data_dir),
        PYTHONPATH=str(REPO),
    )


def _open_victim_transactions(engine: Engine) -> list[str]:
    """States of the killed process's PostgreSQL connections that the server still holds."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT state FROM pg_stat_activity WHERE application_name = :name"),
                {"name": VICTIM},
            ).scalars()
        )


def test_checkout_killed_before_commit_leaves_nothing_and_the_retry_buys_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    user_id, total = _prepare(engine)
    before = snapshot(engine)
    env = _worker_env(database_url, tmp_path / "data")
    marker = tmp_path / "stalled.json"
    worker = SCALE_DIR / "_checkout_worker.py"
    now = str(T0 + 100)
    victim = subprocess.Popen(
        [PYTHON, str(worker), "stall", str(marker), str(user_id), KEY, now],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: marker.exists() or victim.poll() is not None,
            timeout=60,
            what="the checkout to reach remove_lines",
        )
        assert victim.poll() is None, f"the checkout process ended early: {victim.communicate()}"
        # The transaction really did its work before it died: order, debit, stock, cart.
        seen = json.loads(marker.read_text())
        assert len(seen["orders"]) == 1
        assert seen["balance_cents"] == BALANCE - total
        assert sorted(seen["ledger_cents"]) == sorted([-total, BALANCE // 2, BALANCE // 2])
        assert seen["cart_lines"] == 0
        if engine.dialect.name == "postgresql":
            assert _open_victim_transactions(engine) == ["idle in transaction"]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(timeout=10)
    assert victim.returncode == -signal.SIGKILL

    if engine.dialect.name == "postgresql":  # the server has rolled the dead client back
        wait_until(
            lambda: _open_victim_transactions(engine) == [],
            timeout=15,
            what="PostgreSQL to end the killed checkout's connection",
        )
    assert snapshot(engine) == before, "the killed checkout left rows behind"

    # The browser retries with the same key, on another worker: exactly one order.
    started = time.monotonic()
    retry = subprocess.run(
        [PYTHON, str(worker), "run", str(user_id), KEY, now],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert retry.returncode == 0, retry.stderr
    assert time.monotonic() - started < 30, "the retry waited on a lock of the dead process"
    first = json.loads(retry.stdout.strip().splitlines()[-1])
    assert first["total_cents"] == total

    # And once more, in this process: the same order, nothing bought twice.
    again = checkout(scope_for(engine), user_id=user_id, idempotency_key=KEY, now=T0 + 200)
    assert again.id == first["order_id"]

    with Session(engine) as db:
        orders = db.exec(select(Order)).all()
        assert [o.id for o in orders] == [first["order_id"]]
        debits = db.exec(select(LedgerEntry).where(LedgerEntry.kind == "purchase")).all()
        assert [(d.order_id, d.amount_cents) for d in debits] == [(first["order_id"], -total)]
        balance = db.exec(select(Account.balance_cents).where(Account.user_id == user_id)).one()
        ledger_sum = sum(e.amount_cents for e in db.exec(select(LedgerEntry)).all())
        assert balance == ledger_sum == BALANCE - total
        stock = {i.sku: i.stock for i in db.exec(select(Item)).all()}
        assert stock == {sku: s - q for sku, (_p, s, q) in PRODUCTS.items()}
        lines = db.exec(select(OrderLine)).all()
        assert sorted((ln.sku, ln.quantity) for ln in lines) == sorted(
            (sku, q) for sku, (_p, _s, q) in PRODUCTS.items()
        )
        assert carts.lines(db, carts.CartOwner(user_id=user_id)) == []
    check_money_invariants(engine)
