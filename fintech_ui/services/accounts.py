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
    check_password_policy,
    dummy_hash,
    hash_password,
    normalize_username,
    username_key,
    verify_password,
)
from fintech_ui.services import throttle
from fintech_ui.services.cart import merge_visitor_cart
from fintech_ui.services.ids import stored_id
from fintech_ui.services.sessions import (
    UserView,
    create_login_code,
    create_session,
    revoke_user_sessions,
)
from fintech_ui.settings import Settings

INVALID_LOGIN = "Invalid username or password"
USERNAME_TAKEN = "That username is taken. Choose another."


class UsernameTaken(DomainError):
    """Another account already has this username (compared case-insensitively)."""


def register(
    db: Session, *, username: object, password: object, settings: Settings, now: int
) -> User:
    """Create an account; PolicyError or UsernameTaken explain a refusal."""
    name = normalize_username(username)
    accepted = check_password_policy(password, name)
    key = username_key(name)
    if db.exec(select(User.id).where(User.username_key == key)).first() is not None:
        raise UsernameTaken(USERNAME_TAKEN)
    user = User(
        username=name,
        username_key=key,
        password_hash=hash_password(
            accepted, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
        ),
        created_at=now,
    )
    db.add(user)
    try:
        db.flush()  # a concurrent registration of the same name loses here, not later
    except IntegrityError:
        db.rollback()
        raise UsernameTaken(USERNAME_TAKEN) from None
    db.add(Account(user_id=stored_id(user), balance_cents=0))
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
    # "" stands for anything that is not a plausible password: it never matches below.
    given = password if isinstance(password, str) and 0 < len(password) <= 1024 else ""
    # Unknown users are verified against a dummy hash so their answer takes as long.
    stored = user.password_hash if user is not None else dummy_hash(settings.bcrypt_rounds)
    matches = verify_password(given, stored, pepper=settings.password_pepper)
    if user is not None and matches and given and user.is_active:
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


# --- use cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """A logged-in user and how to hand them their session; otherwise None and a wait.

    The web UI gets `login_code` (swapped for an HttpOnly cookie, so the token never reaches
    page scripts) and an empty `token`; the API gets `token` itself.
    """

    user: UserView | None
    token: str = ""
    login_code: str = ""
    retry_after: int = 0


def _start_session(
    db: Session,
    user: User,
    *,
    visitor_token: object,
    next_path: str | None,
    settings: Settings,
    now: int,
) -> LoginResult:
    # The one way into a session, shared by log-in and registration, UI and API.
    if user.id is None:
        raise ValueError("user is not stored")
    merge_visitor_cart(db, visitor_token=visitor_token, user_id=user.id, now=now)
    token = create_session(db, user=user, settings=settings, now=now)
    if next_path is None:
        return LoginResult(user=UserView.of(user), token=token)
    code = create_login_code(db, token=token, next_path=next_path, settings=settings, now=now)
    return LoginResult(user=UserView.of(user), login_code=code)


def log_in(
    db: Session,
    *,
    username: object,
    password: object,
    address: str,
    settings: Settings,
    now: int,
    visitor_token: object = None,
    next_path: str | None = None,
) -> LoginResult:
    """Check the credentials under the throttle, merge the visitor's cart, open a session.

    With `next_path` (the web UI) the session is handed over as a single-use login code
    that returns there; without it (the API) as the token itself.
    """
    outcome = authenticate(
        db, username=username, password=password, address=address, settings=settings, now=now
    )
    if outcome.user is None:
        return LoginResult(user=None, retry_after=outcome.retry_after)
    return _start_session(
        db,
        outcome.user,
        visitor_token=visitor_token,
        next_path=next_path,
        settings=settings,
        now=now,
    )


def register_and_log_in(
    db: Session,
    *,
    username: object,
    password: object,
    settings: Settings,
    now: int,
    visitor_token: object = None,
    next_path: str | None = None,
) -> LoginResult:
    """Create the account and log in as it; PolicyError or UsernameTaken explain a refusal."""
    user = register(db, username=username, password=password, settings=settings, now=now)
    return _start_session(
        db, user, visitor_token=visitor_token, next_path=next_path, settings=settings, now=now
    )


def create_account(
    db: Session, *, username: object, password: object, settings: Settings, now: int
) -> UserView:
    """Create an account without logging in (POST /register answers with its id only)."""
    return UserView.of(
        register(db, username=username, password=password, settings=settings, now=now)
    )
