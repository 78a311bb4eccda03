"""Whole-database checks that hold after any sequence of use cases, crashes included."""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from fintech_ui.models import Account, Cart, CartLine, Item, LedgerEntry, Order, OrderLine, User

SNAPSHOT_TABLES = (User, Account, LedgerEntry, Item, Cart, CartLine, Order, OrderLine)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every money-, stock-, cart- and user-related table, in key order."""
    with Session(engine) as db:
        result = {}
        for model in SNAPSHOT_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            rows = db.exec(select(*table.columns).order_by(*table.primary_key)).all()
            result[table.name] = [tuple(row) for row in rows]
        return result


def check_money_invariants(engine: Engine) -> None:
    """Every balance is its ledger's running sum, never negative; no stock below zero; every
    order has exactly one matching purchase debit and lines that add up to its total."""
    with Session(engine) as db:
        for account in db.exec(select(Account)).all():
            entries = db.exec(
                select(LedgerEntry)
                .where(LedgerEntry.user_id == account.user_id)
                .order_by(col(LedgerEntry.id))
            ).all()
            running = 0
            for entry in entries:
                running += entry.amount_cents
                assert entry.balance_after_cents == running, (account.user_id, entry)
                assert running >= 0
            assert account.balance_cents == running, account
        assert db.exec(select(func.count()).where(col(Item.stock) < 0)).one() == 0
        for order in db.exec(select(Order)).all():
            debits = db.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
            assert [(d.kind, d.user_id, d.amount_cents) for d in debits] == [
                ("purchase", order.user_id, -order.total_cents)
            ], order
            lines = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
            assert lines, order
            assert sum(line.line_total_cents for line in lines) == order.total_cents
            for line in lines:
                assert line.line_total_cents == line.unit_price_cents * line.quantity
        unpaid = db.exec(
            select(func.count()).where(
                LedgerEntry.kind == "purchase", col(LedgerEntry.order_id).is_(None)
            )
        ).one()
        assert unpaid == 0
