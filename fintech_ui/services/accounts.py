"""Registration and authentication. Slow (bcrypt): callers run these off the event loop."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fintech_ui import routes
from fintech_ui.errors import DomainError
from fintech_ui.models import Account, PasswordReset, User
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
from fintech_ui.services.cart import merge_visitor_cart
from fintech_ui.services.ids import stored_id
from fintech_ui.services.sessions import (
    SessionEnded,
    UserView,
    check_session,
    create_login_code,
    create_session,
    end_other_sessions,
    revoke_user_sessions,
)
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
    accepted = check_password_policy(password, name)
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
        device_token, stored_id(user), settings, now=now, stamp=user.password_hash
    )
    wait = throttle.retry_after(db, account=None if known_device else key, address=address, now=now)
    if wait:
        return LoginOutcome(user=None, retry_after=wait)
    attempt = throttle.record_failure(db, account=key, address=address, now=now)
    db.commit()
    # "" stands for anything that is not a plausible password: it never matches below.
    given = password if isinstance(password, str) and 0 < len(password) <= 1024 else ""
    # Unknown users are verified against a dummy hash so their answer takes as long.
    stored = user.password_hash if user is not None else dummy_hash(settings.bcrypt_rounds)
    matches = match_password(given, stored, pepper=settings.password_pepper)
    if user is not None and matches.ok and given and user.is_active:
        if matches.needs_rehash:  # made before passwords were normalised: store the NFC form
            # Hashed before any write, so no database lock is held during bcrypt.
            user.password_hash = hash_password(
                given, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
            )
            db.add(user)
        throttle.forgive(db, attempt)
        token = issue_device_token(stored_id(user), settings, now=now, stamp=user.password_hash)
        return LoginOutcome(user=user, device_token=token)
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
    address: str,
    browser_nonce: str,
    settings: Settings,
    now: int,
) -> LoginResult:
    # The one way into a session, shared by log-in and registration, UI and API.
    if user.id is None:
        raise ValueError("user is not stored")
    merge_visitor_cart(db, visitor_token=visitor_token, user_id=user.id, now=now)
    kind = "api" if next_path is None else "browser"
    token = create_session(db, user=user, settings=settings, now=now, kind=kind, address=address)
    if next_path is None:
        return LoginResult(user=UserView.of(user), token=token)
    code = create_login_code(
        db,
        token=token,
        next_path=next_path,
        browser_nonce=browser_nonce,
        settings=settings,
        now=now,
    )
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
    browser_nonce: str = "",
    device_token: object = None,
) -> LoginResult:
    """Check the credentials under the throttle, merge the visitor's cart, open a session.

    With `next_path` (the web UI) the session is handed over as a single-use login code that
    returns there and only redeems with the same `browser_nonce` (the login-nonce cookie);
    without it (the API) as the token itself. `device_token` (the device cookie) exempts a
    browser that logged in to this account before from the per-account delay.
    """
    outcome = authenticate(
        db,
        username=username,
        password=password,
        address=address,
        settings=settings,
        now=now,
        device_token=device_token,
    )
    if outcome.user is None:
        return LoginResult(user=None, retry_after=outcome.retry_after)
    return _start_session(
        db,
        outcome.user,
        visitor_token=visitor_token,
        next_path=next_path,
        address=address,
        browser_nonce=browser_nonce,
        settings=settings,
        now=now,
    )


def register_and_log_in(
    db: Session,
    *,
    username: object,
    password: object,
    address: str,
    settings: Settings,
    now: int,
    visitor_token: object = None,
    next_path: str | None = None,
    browser_nonce: str = "",
) -> LoginResult:
    """Create the account and log in as it; PolicyError, UsernameTaken or
    RegistrationThrottled explain a refusal."""
    user = register(
        db, username=username, password=password, settings=settings, now=now, address=address
    )
    return _start_session(
        db,
        user,
        visitor_token=visitor_token,
        next_path=next_path,
        address=address,
        browser_nonce=browser_nonce,
        settings=settings,
        now=now,
    )


def create_account(
    db: Session,
    *,
    username: object,
    password: object,
    settings: Settings,
    now: int,
    address: str | None = None,
) -> UserView:
    """Create an account without logging in (POST /register answers with its id only)."""
    return UserView.of(
        register(
            db, username=username, password=password, settings=settings, now=now, address=address
        )
    )


# --- changing and resetting a password -------------------------------------------------

RESET_TOKEN_SECONDS = 30 * 60
RESET_PAGE = routes.RESET_PASSWORD


class WrongPassword(DomainError):
    """The current password given to confirm a change is not the account's."""


class PasswordChangeThrottled(DomainError):
    """Too many wrong current passwords lately; `retry_after` says how long to wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many attempts. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


class ResetTokenInvalid(DomainError):
    """The reset link is unknown, used already or expired."""


class NoSuchUser(DomainError):
    """The operator named a user that does not exist."""


@dataclass(frozen=True)
class PasswordChanged:
    """A password was set; `sessions_ended` other logins of the user were ended at once."""

    username: str
    sessions_ended: int


def _set_password(db: Session, user: User, password: str, settings: Settings) -> None:
    user.password_hash = hash_password(
        password, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
    )
    db.add(user)
    # A reset link handed out earlier must not undo the new password.
    db.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))


def change_password(
    db: Session,
    *,
    user_id: int,
    current_password: object,
    new_password: object,
    keep_session_id: int | None,
    settings: Settings,
    now: int,
) -> PasswordChanged:
    """Set a new password (registration's policy) after proving the current one; every other
    session of the user ends at once, `keep_session_id` (the one asking) stays.

    A wrong current password counts against the account like a failed login, committed
    before bcrypt, so a stolen session cannot be used to guess the password at speed.
    """
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        raise WrongPassword("Your session has ended. Log in again.")
    new = check_password_policy(new_password, user.username)
    key = user.username_key
    throttle.serialise(db, f"user:{key}")
    wait = throttle.account_retry_after(db, account=key, now=now)
    if wait:
        raise PasswordChangeThrottled(wait)
    throttle.record_account_failure(db, account=key, now=now)
    db.commit()
    # "" stands for anything that is not a plausible password: it never matches below.
    given = (
        current_password
        if isinstance(current_password, str) and 0 < len(current_password) <= 1024
        else ""
    )
    match = match_password(given, user.password_hash, pepper=settings.password_pepper)
    if not (given and match.ok):
        raise WrongPassword("The current password is not right.")
    throttle.forgive_account(db, account=key)
    if match_password(new, user.password_hash, pepper=settings.password_pepper).ok:
        raise PolicyError("The new password must differ from the current one.")
    _set_password(db, user, new, settings)
    ended = end_other_sessions(
        db, user_id=stored_id(user), keep_session_id=keep_session_id, now=now
    )
    return PasswordChanged(username=user.username, sessions_ended=ended)


def change_own_password(
    db: Session,
    *,
    token: object,
    current_password: object,
    new_password: object,
    settings: Settings,
    now: int,
) -> PasswordChanged:
    """change_password for the user of a live session token, keeping that session only
    (the security page and POST /api/account/password); SessionEnded without one."""
    check = check_session(db, token, settings=settings, now=now)
    if check.user is None or check.session_id is None:
        raise SessionEnded()
    return change_password(
        db,
        user_id=stored_id(check.user),
        current_password=current_password,
        new_password=new_password,
        keep_session_id=check.session_id,
        settings=settings,
        now=now,
    )


def _reset_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_token(db: Session, *, username: object, now: int) -> str:
    """A single-use password-reset token for `username`, valid 30 minutes (operator tool).

    Only its SHA-256 is stored, so a copy of the database cannot reset anyone's password;
    a new token replaces any earlier one of the user.
    """
    try:
        key = username_key(normalize_username(username))
    except PolicyError:
        raise NoSuchUser(f"No such user: {username}") from None
    user = db.exec(select(User).where(User.username_key == key)).first()
    if user is None:
        raise NoSuchUser(f"No such user: {username}")
    token = secrets.token_urlsafe(32)
    db.exec(
        delete(PasswordReset).where(
            (col(PasswordReset.user_id) == user.id) | (col(PasswordReset.expires_at) <= now)
        )
    )
    db.add(
        PasswordReset(
            token_hash=_reset_hash(token),
            user_id=stored_id(user),
            expires_at=now + RESET_TOKEN_SECONDS,
        )
    )
    db.flush()
    return token


def reset_link(token: str, base_url: str = "") -> str:
    """The page where the user sets a new password with `token`."""
    return f"{base_url.rstrip('/')}{RESET_PAGE}?token={token}"


def reset_password(
    db: Session, *, token: object, new_password: object, settings: Settings, now: int
) -> PasswordChanged:
    """Set a new password with a reset token: the token works once, and every session of the
    user ends (whoever held them no longer knows the password)."""
    invalid = ResetTokenInvalid(
        "This password-reset link is invalid or has expired. Ask for a new one."
    )
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise invalid
    found = db.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == PasswordReset.user_id)
        .where(PasswordReset.token_hash == _reset_hash(token), PasswordReset.expires_at > now)
    ).first()
    if found is None:
        raise invalid
    reset, user = found
    new = check_password_policy(new_password, user.username)  # a refusal keeps the link usable
    # The conditional delete is the claim: of two simultaneous uses only one deletes.
    claimed = db.exec(
        delete(PasswordReset).where(
            col(PasswordReset.token_hash) == reset.token_hash, col(PasswordReset.expires_at) > now
        )
    )
    if claimed.rowcount != 1:
        raise invalid
    _set_password(db, user, new, settings)
    ended = end_other_sessions(db, user_id=stored_id(user), keep_session_id=None, now=now)
    throttle.forgive_account(db, account=user.username_key)
    return PasswordChanged(username=user.username, sessions_ended=ended)
