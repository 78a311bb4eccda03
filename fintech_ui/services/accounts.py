"""Registration and authentication. Slow (bcrypt): callers run these off the event loop."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Account, User
from fintech_ui.security import (
    PolicyError,
    check_new_username,
    check_password_policy,
    device_token_valid,
    dummy_hash,
    hash_password,
    issue_device_token,
    match_password,
    normalize_username,
    username_key,
    username_skeleton,
)
from fintech_ui.services import throttle
from fintech_ui.services.sessions import revoke_user_sessions
from fintech_ui.settings import Settings

INVALID_LOGIN = "Invalid username or password"
USERNAME_TAKEN = "That username is taken. Choose another."
USERNAME_LOOKALIKE = "That username looks like an existing username. Choose another."


class UsernameTaken(DomainError):
    """Another account already has this username, or one that looks the same."""


class RegistrationThrottled(DomainError):
    """Too many registrations from this address lately; `retry_after` says how long to wait."""

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many new accounts from your network. Try again in {retry_after} seconds."
        )
        self.retry_after = retry_after


def register(
    db: Session,
    *,
    username: object,
    password: object,
    settings: Settings,
    now: int,
    address: str | None = None,
) -> User:
    """Create an account; PolicyError, UsernameTaken or RegistrationThrottled explain a refusal.

    With an `address` (every adapter passes one; only operator tools omit it) the attempt is
    counted against it and committed before the slow hash, like a login: a registration flood
    from one address waits instead of queueing bcrypt work ahead of everyone's logins.
    """
    name = check_new_username(normalize_username(username))
    password = check_password_policy(password, name)
    if address is not None:
        throttle.serialise(db, f"reg:{address[:128]}")
        wait = throttle.registration_retry_after(db, address=address, now=now)
        if wait:
            raise RegistrationThrottled(wait)
        throttle.record_registration(db, address=address, now=now)
        db.commit()
    key, skeleton = username_key(name), username_skeleton(name)[:64]
    if db.exec(select(User.id).where(User.username_key == key)).first() is not None:
        raise UsernameTaken(USERNAME_TAKEN)
    if db.exec(select(User.id).where(User.username_skeleton == skeleton)).first() is not None:
        raise UsernameTaken(USERNAME_LOOKALIKE)
    user = User(
        username=name,
        username_key=key,
        username_skeleton=skeleton,
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
    """The user on success; otherwise None and, when throttled, seconds to wait.

    On success `device_token` is a fresh value for the device cookie (security.DEVICE_COOKIE)
    that lets this browser skip the per-account delay next time.
    """

    user: User | None
    retry_after: int = 0
    device_token: str = ""


def _throttle_key(username: object) -> str:
    try:
        return username_key(normalize_username(username))
    except PolicyError:
        # Invalid names are throttled too, under a digest (PostgreSQL text refuses NUL).
        raw = username if isinstance(username, str) else repr(type(username))
        return "?" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def authenticate(
    db: Session,
    *,
    username: object,
    password: object,
    address: str,
    settings: Settings,
    now: int,
    device_token: object = None,
) -> LoginOutcome:
    """Check credentials under the throttle. Unknown, wrong and disabled all look the same.

    Commits `db` once in the middle: the attempt is counted before bcrypt runs, so
    simultaneous guesses all see each other (they take turns on the throttle keys), and no
    lock is held during the slow hash. A valid `device_token` (the device cookie of an earlier
    login to this account) skips the per-account delay, not the per-address one.
    """
    key = _throttle_key(username)
    throttle.serialise(db, f"user:{key[:128]}", f"addr:{address[:128]}")
    user = db.exec(select(User).where(User.username_key == key)).first()
    known_device = user is not None and device_token_valid(
        device_token, user.id, settings, now=now, stamp=user.password_hash
    )
    wait = throttle.retry_after(db, account=None if known_device else key, address=address, now=now)
    if wait:
        return LoginOutcome(user=None, retry_after=wait)
    attempt = throttle.record_failure(db, account=key, address=address, now=now)
    db.commit()
    valid_input = isinstance(password, str) and 0 < len(password) <= 1024
    # Unknown users are verified against a dummy hash so their answer takes as long.
    stored = user.password_hash if user is not None else dummy_hash(settings.bcrypt_rounds)
    match = match_password(password if valid_input else "", stored, pepper=settings.password_pepper)
    if user is not None and match.ok and valid_input and user.is_active:
        if match.needs_rehash:  # made before passwords were normalised: store the NFC form
            # Hashed before any write, so no database lock is held during bcrypt.
            user.password_hash = hash_password(
                password, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
            )
            db.add(user)
        throttle.forgive(db, attempt)
        token = issue_device_token(user.id, settings, now=now, stamp=user.password_hash)
        return LoginOutcome(user=user, device_token=token)
    return LoginOutcome(user=None)


def disable_user(db: Session, *, user_id: int, now: int) -> None:
    """Disable an account and end its sessions at once."""
    user = db.get(User, user_id)
    if user is not None:
        user.is_active = False
        db.add(user)
        revoke_user_sessions(db, user_id=user_id, now=now)
