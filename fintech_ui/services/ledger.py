"""The account balance and its append-only ledger. The balance is the ledger's sum."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Account, LedgerEntry, User
from fintech_ui.money import decimal_string

MIN_DEPOSIT_CENTS = 1
MAX_DEPOSIT_CENTS = 1_000_000  # $10,000.00 per simulated top-up


@dataclass(frozen=True)
class EntryView:
    """One ledger entry as its owner sees it."""

    id: int
    created_at: int
    kind: str
    order_id: int | None
    amount_cents: int
    balance_after_cents: int
    sale_id: int | None = None
    withdrawal_id: int | None = None


@dataclass(frozen=True)
class AccountSummary:
    """Who the investor is, their balance and their statement (newest entry first)."""

    username: str
    member_since: int
    balance_cents: int
    statement: tuple[EntryView, ...]


def balance_cents(db: Session, *, user_id: int) -> int:
    """The user's current balance (0 for a user without an account row)."""
    value = db.exec(select(Account.balance_cents).where(Account.user_id == user_id)).first()
    return value or 0


_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)


class DepositError(DomainError):
    """A deposit that cannot be made as asked; nothing changed."""


class DepositKeyReused(DepositError):
    """The idempotency key was used for another deposit (another amount)."""


@dataclass(frozen=True)
class DepositView:
    """A recorded deposit; `replayed` when the key had been used already."""

    entry_id: int
    amount_cents: int
    balance_after_cents: int
    created_at: int
    replayed: bool = False


def _view(entry: LedgerEntry, *, replayed: bool) -> DepositView:
    assert entry.id is not None  # flushed
    return DepositView(
        entry_id=entry.id,
        amount_cents=entry.amount_cents,
        balance_after_cents=entry.balance_after_cents,
        created_at=entry.created_at,
        replayed=replayed,
    )


def _move(
    db: Session,
    *,
    user_id: int,
    kind: str,
    amount_cents: int,
    now: int,
    order_id: int | None = None,
    sale_id: int | None = None,
    withdrawal_id: int | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry | None:
    """Change the balance by `amount_cents` and append the entry that says so, in the caller's
    transaction, so the balance stays the ledger's sum.

    A debit (negative amount) is one conditional UPDATE: it takes the money only if the balance
    covers it, so two racing debits can never overdraw; None (nothing changed) when it does not.
    A credit needs the account row (deposit creates it, a sale locks it first): one that
    updates no row raises instead of recording money the balance does not hold.
    """
    moved = update(Account).where(col(Account.user_id) == user_id)
    if amount_cents < 0:
        moved = moved.where(col(Account.balance_cents) >= -amount_cents)
    if db.exec(moved.values(balance_cents=Account.balance_cents + amount_cents)).rowcount != 1:
        if amount_cents < 0:
            return None
        raise LookupError(f"no account row for user {user_id}")
    entry = LedgerEntry(
        user_id=user_id,
        kind=kind,
        amount_cents=amount_cents,
        balance_after_cents=balance_cents(db, user_id=user_id),
        order_id=order_id,
        sale_id=sale_id,
        withdrawal_id=withdrawal_id,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    db.add(entry)
    db.flush()
    return entry


def deposit(
    db: Session, *, user_id: int, amount_cents: int, idempotency_key: str, now: int
) -> DepositView:
    """Add money once per idempotency key: a replayed request (double click, network retry)
    gets the first deposit back instead of a second credit."""
    if type(amount_cents) is not int or not MIN_DEPOSIT_CENTS <= amount_cents <= MAX_DEPOSIT_CENTS:
        raise DepositError("Deposit amount out of range.")
    if not isinstance(idempotency_key, str) or not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise DepositError("Idempotency key must be 1–64 letters, digits, '.', '_', ':' or '-'.")
    if db.get(Account, user_id) is None:
        db.add(Account(user_id=user_id, balance_cents=0))
        db.flush()
    # The account row lock serialises this user's deposits (SQLite: BEGIN IMMEDIATE already),
    # so a twin request waits here and then finds the first one's entry below.
    db.exec(select(Account.user_id).where(Account.user_id == user_id).with_for_update()).one()
    earlier = db.exec(
        select(LedgerEntry).where(
            LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key == idempotency_key
        )
    ).first()
    if earlier is not None:
        if earlier.kind != "deposit" or earlier.amount_cents != amount_cents:
            raise DepositKeyReused("This deposit key was already used for another amount.")
        return _view(earlier, replayed=True)
    entry = _move(
        db,
        user_id=user_id,
        kind="deposit",
        amount_cents=amount_cents,
        now=now,
        idempotency_key=idempotency_key,
    )
    assert entry is not None  # a credit raises rather than answer None
    return _view(entry, replayed=False)


def debit_for_order(
    db: Session, *, user_id: int, amount_cents: int, order_id: int, now: int
) -> LedgerEntry | None:
    """Take the money for an order, or None (and nothing changed) when the balance is short."""
    return _move(
        db, user_id=user_id, kind="purchase", amount_cents=-amount_cents, now=now, order_id=order_id
    )


def statement(db: Session, *, user_id: int, limit: int = 500) -> list[LedgerEntry]:
    """The newest entries first."""
    return list(
        db.exec(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user_id)
            .order_by(col(LedgerEntry.id).desc())
            .limit(limit)
        ).all()
    )


def statement_csv(entries: list[LedgerEntry]) -> str:
    """The statement as CSV, oldest first, amounts as exact decimal strings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "type", "order", "amount", "balance"])
    for entry in sorted(entries, key=lambda e: e.id or 0):
        writer.writerow(
            [
                dt.datetime.fromtimestamp(entry.created_at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                entry.kind,
                entry.order_id or entry.sale_id or "",
                decimal_string(entry.amount_cents),
                decimal_string(entry.balance_after_cents),
            ]
        )
    return out.getvalue()


def _entry_view(entry: LedgerEntry) -> EntryView:
    return EntryView(
        id=entry.id or 0,
        created_at=entry.created_at,
        kind=entry.kind,
        order_id=entry.order_id,
        amount_cents=entry.amount_cents,
        balance_after_cents=entry.balance_after_cents,
        sale_id=entry.sale_id,
        withdrawal_id=entry.withdrawal_id,
    )


def account_summary(db: Session, *, user_id: int, limit: int = 500) -> AccountSummary:
    """The account page and GET /account: balance and statement read in one transaction."""
    user = db.get(User, user_id)
    if user is None:
        raise ValueError("no such user")
    return AccountSummary(
        username=user.username,
        member_since=user.created_at,
        balance_cents=balance_cents(db, user_id=user_id),
        statement=tuple(_entry_view(e) for e in statement(db, user_id=user_id, limit=limit)),
    )


@dataclass(frozen=True)
class TopUp:
    """The account after a deposit; `deposit` says what was credited (or replayed)."""

    deposit: DepositView
    account: AccountSummary


def top_up(
    db: Session, *, user_id: int, amount_cents: int, idempotency_key: str, now: int
) -> TopUp:
    """Deposit a validated amount once per key and answer with the account as it now is."""
    made = deposit(
        db, user_id=user_id, amount_cents=amount_cents, idempotency_key=idempotency_key, now=now
    )
    return TopUp(deposit=made, account=account_summary(db, user_id=user_id))


EXPORT_ROWS = 10_000  # a bounded file: built in one worker thread, held in memory once


@dataclass(frozen=True)
class StatementExport:
    """The statement as CSV; `capped` when only the newest EXPORT_ROWS entries are in it."""

    csv: str
    rows: int
    capped: bool


def statement_export(db: Session, *, user_id: int, limit: int | None = None) -> StatementExport:
    """The newest `limit` (default EXPORT_ROWS) entries as CSV, oldest first, and whether older
    ones were left out."""
    limit = EXPORT_ROWS if limit is None else limit
    entries = statement(db, user_id=user_id, limit=limit + 1)
    capped = len(entries) > limit
    kept = entries[:limit]
    return StatementExport(csv=statement_csv(kept), rows=len(kept), capped=capped)


def credit_for_sale(
    db: Session, *, user_id: int, amount_cents: int, sale_id: int, now: int
) -> LedgerEntry:
    """Pay the proceeds of a sale into the balance and record it."""
    entry = _move(
        db, user_id=user_id, kind="sale", amount_cents=amount_cents, now=now, sale_id=sale_id
    )
    assert entry is not None  # a credit raises rather than answer None
    return entry


def debit_for_withdrawal(
    db: Session, *, user_id: int, amount_cents: int, withdrawal_id: int, now: int
) -> LedgerEntry | None:
    """Take a withdrawal from the balance, or None (nothing changed) when the balance is short."""
    return _move(
        db,
        user_id=user_id,
        kind="withdrawal",
        amount_cents=-amount_cents,
        now=now,
        withdrawal_id=withdrawal_id,
    )
