"""Registration and authentication. Slow (bcrypt): callers run these off the event loop."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from fintech_ui.models import Account, User
from fintech_ui.security import (
    PolicyError,
    check_password_policy,
    dummy_hash,
    hash_password,
    normalize_username,
    username_key,
    verify_password,
)
from fintech_ui.services import throttle
from fintech_ui.services.sessions import revoke_user_sessions
from fintech_ui.settings import Settings

INVALID_LOGIN = "Invalid username or password"
USERNAME_TAKEN = "That username is taken. Choose another."


class UsernameTaken(Exception):
    """Another account already has this username (compared case-insensitively)."""


def register(
    db: Session, *, username: object, password: object, settings: Settings, now: int
) -> User:
    """Create an account; PolicyError or UsernameTaken explain a refusal."""
    name = normalize_username(username)
    check_password_policy(password, name)
    key = username_key(name)
    if db.exec(select(User.id).where(User.username_key == key)).first() is not None:
        raise UsernameTaken(USERNAME_TAKEN)
    user = User(
        username=name,
        username_key=key,
        password_hash=hash_password(
            password, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
        ),
        created_at=now,
    )
    db.add(user)
    try:
        db.flush()  # a concurrent registration of the same name loses here, not later
    except IntegrityError:
        db.rollback()
        raise UsernameTaken(USERNAME_TAKEN) from None
    db.add(Account(user_id=user.id, balance_cents=0))
    return user


@dataclass(frozen=True)
class LoginOutcome:
    """The user on success; otherwise None and, when throttled, seconds to wait."""

    user: User | None
    retry_after: int = 0


def _throttle_key(username: object) -> str:
    try:
        return username_key(normalize_username(username))
    except PolicyError:
        # Invalid names are throttled too, under a digest (PostgreSQL text refuses NUL).
        raw = username if isinstance(username, str) else repr(type(username))
        return "?" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def authenticate(
    db: Session, *, username: object, password: object, address: str, settings: Settings, now: int
) -> LoginOutcome:
    """Check credentials under the throttle. Unknown, wrong and disabled all look the same.

    Commits `db` once in the middle: the attempt is counted before bcrypt runs, so
    simultaneous guesses all see each other, and no lock is held during the slow hash.
    """
    key = _throttle_key(username)
    wait = throttle.retry_after(db, account=key, address=address, now=now)
    if wait:
        return LoginOutcome(user=None, retry_after=wait)
    attempt = throttle.record_failure(db, account=key, address=address, now=now)
    user = db.exec(select(User).where(User.username_key == key)).first()
    db.commit()
    valid_input = isinstance(password, str) and 0 < len(password) <= 1024
    # Unknown users are verified against a dummy hash so their answer takes as long.
    stored = user.password_hash if user is not None else dummy_hash(settings.bcrypt_rounds)
    matches = verify_password(
        password if valid_input else "", stored, pepper=settings.password_pepper
    )
    if user is not None and matches and valid_input and user.is_active:
        throttle.forgive(db, attempt)
        return LoginOutcome(user=user)
    return LoginOutcome(user=None)


def disable_user(db: Session, *, user_id: int, now: int) -> None:
    """Disable an account and end its sessions at once."""
    user = db.get(User, user_id)
    if user is not None:
        user.is_active = False
        db.add(user)
        revoke_user_sessions(db, user_id=user_id, now=now)
