"""Which use cases may commit without waiting for the disk: cart clicks, never money."""

from __future__ import annotations

from sqlalchemy import text

from fintech_ui.db import make_engine, session_scope
from fintech_ui.durability import is_money_free, money_free
from fintech_ui.services import cart as carts
from fintech_ui.services import ledger, orders
from fintech_ui.services.shopper import change_cart


def test_cart_clicks_are_money_free():
    assert is_money_free(change_cart) and is_money_free(carts.add)


def test_money_moving_use_cases_stay_durable():
    assert not is_money_free(orders.checkout_or_replay)
    assert not is_money_free(ledger.deposit)


def test_an_unmarked_use_case_is_durable():
    assert not is_money_free(lambda db: None)
    assert is_money_free(money_free(lambda db: None))


def _synchronous(db) -> int:
    return db.connection().exec_driver_sql("PRAGMA synchronous").scalar_one()


def test_sqlite_commits_money_free_writes_with_normal_and_others_with_full(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with session_scope(engine, durable=False) as db:
            assert _synchronous(db) == 1  # NORMAL
        with session_scope(engine) as db:
            assert _synchronous(db) == 2  # FULL again on the same pooled connection
        with session_scope(engine, durable=False) as db:
            db.connection().execute(text("SELECT 1"))
        with session_scope(engine, read_only=True) as db:
            assert _synchronous(db) in (1, 2)  # a reader leaves it as it was
        with session_scope(engine) as db:
            assert _synchronous(db) == 2
    finally:
        engine.dispose()
