"""Failed-login throttling per account and per client address, kept in the database.

Kept in the database (not in a worker's memory) so every worker sees the same count and a
restart forgives nothing. Delays grow with failures but are bounded and expire within the
hour, so an attacker can slow the real owner down but never lock them out for good; and a
browser holding a device token from an earlier login of the account skips the per-account
delay altogether (never the per-address one), so strangers' guesses cannot lock the owner out.
Registrations are counted per address under a rule of their own: each costs a bcrypt hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from fintech_ui.models import LoginFailure

WINDOW_SECONDS = 3600
MAX_FAILURES_PER_WINDOW = 100
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class Rule:
    """How many failures are free in the window before delays start."""

    scope: str
    free_failures: int


ACCOUNT = Rule("user", free_failures=5)
ADDRESS = Rule("addr", free_failures=20)  # many real users may share one NAT address
REGISTER = Rule("reg", free_failures=10)  # new accounts per address and hour before delays


@dataclass(frozen=True)
class Attempt:
    """A login attempt counted as failed until the password is proved right."""

    account: str
    address_row_id: int | None


def _delay_after(failures: int, rule: Rule) -> int:
    if failures < rule.free_failures:
        return 0
    return min(2 ** (failures - rule.free_failures), MAX_DELAY_SECONDS)


def _retry_after(db: Session, rule: Rule, key: str, now: int) -> int:
    since = now - WINDOW_SECONDS
    count, oldest, newest = db.exec(
        select(func.count(), func.min(LoginFailure.at), func.max(LoginFailure.at)).where(
            LoginFailure.scope == rule.scope,
            LoginFailure.key == key,
            LoginFailure.at > since,
        )
    ).one()
    if not count:
        return 0
    if count >= MAX_FAILURES_PER_WINDOW:
        return max(1, oldest + WINDOW_SECONDS - now)
    return max(0, newest + _delay_after(count, rule) - now)


def serialise(db: Session, *keys: str) -> None:
    """Make concurrent attempts on the same throttle keys take turns until `db` commits.

    Without it, sixteen simultaneous guesses on PostgreSQL all read "no failures yet" before
    any of them is counted, and all pass. A transaction-scoped advisory lock per key (taken in
    sorted order, so two attempts never wait for each other) queues them; each then sees the
    failures counted before it. SQLite needs nothing: its writers already queue (BEGIN
    IMMEDIATE).
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        db.connection().execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def retry_after(db: Session, *, account: str | None, address: str, now: int) -> int:
    """Seconds until another attempt for this account from this address is allowed (0: now).

    account=None skips the per-account delay (a browser the account's owner used before).
    """
    by_account = 0 if account is None else _retry_after(db, ACCOUNT, account[:128], now)
    return max(by_account, _retry_after(db, ADDRESS, address[:128], now))


def account_retry_after(db: Session, *, account: str, now: int) -> int:
    """Seconds until the account may be tried again (password change: no address applies)."""
    return _retry_after(db, ACCOUNT, account[:128], now)


def record_account_failure(db: Session, *, account: str, now: int) -> None:
    """Count a wrong current password (password change) against the account alone."""
    db.add(LoginFailure(scope=ACCOUNT.scope, key=account[:128], at=now))
    db.flush()


def forgive_account(db: Session, *, account: str) -> None:
    """The account's owner proved the password: forget its failures."""
    db.exec(
        delete(LoginFailure).where(
            col(LoginFailure.scope) == ACCOUNT.scope, col(LoginFailure.key) == account[:128]
        )
    )


def registration_retry_after(db: Session, *, address: str, now: int) -> int:
    """Seconds until this address may try to register again (0: now)."""
    return _retry_after(db, REGISTER, address[:128], now)


def record_registration(db: Session, *, address: str, now: int) -> None:
    """Count one registration attempt (each costs a bcrypt hash) against the address."""
    db.add(LoginFailure(scope=REGISTER.scope, key=address[:128], at=now))
    db.flush()


def record_failure(db: Session, *, account: str, address: str, now: int) -> Attempt:
    """Count one failed attempt against both the account and the address."""
    account_row = LoginFailure(scope=ACCOUNT.scope, key=account[:128], at=now)
    address_row = LoginFailure(scope=ADDRESS.scope, key=address[:128], at=now)
    db.add_all([account_row, address_row])
    db.exec(delete(LoginFailure).where(col(LoginFailure.at) <= now - WINDOW_SECONDS))
    db.flush()
    return Attempt(account=account[:128], address_row_id=address_row.id)


def forgive(db: Session, attempt: Attempt) -> None:
    """The attempt succeeded: forget the account's failures and this attempt's address mark."""
    db.exec(
        delete(LoginFailure).where(
            col(LoginFailure.scope) == ACCOUNT.scope, col(LoginFailure.key) == attempt.account
        )
    )
    db.exec(delete(LoginFailure).where(col(LoginFailure.id) == attempt.address_row_id))


def client_address(peer: str, forwarded_for: str, trusted_hops: int) -> str:
    """The client's address: the peer, or the X-Forwarded-For entry our own proxies added.

    X-Forwarded-For is written by the client too, so only the last `trusted_hops` entries
    (appended by proxies we run) are believed; with no trusted proxy it is ignored.
    """
    if trusted_hops <= 0:
        return peer or "unknown"
    hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if len(hops) < trusted_hops:
        return peer or "unknown"
    return hops[-trusted_hops][:64]
