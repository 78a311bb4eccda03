"""Revocable sessions: a signed JWT names a database row that can be revoked at any moment."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import AuthSession, LoginCode, User
from fintech_ui.security import TokenClaims, decode_token, issue_device_token, issue_token
from fintech_ui.services.ids import stored_id
from fintech_ui.services.prepared import Prepared
from fintech_ui.settings import Settings

TOUCH_EVERY_SECONDS = 30  # refresh last_seen_at at most this often, to spare the database


SESSION_KINDS = ("browser", "api")


def create_session(
    db: Session,
    *,
    user: User,
    settings: Settings,
    now: int,
    kind: str = "browser",
    address: str = "",
) -> str:
    """Open a new session for `user` and return its signed token.

    `kind` ("browser": the cookie; "api": a bearer token) and `address` are shown to the user
    in their list of active sessions.
    """
    if kind not in SESSION_KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    row = AuthSession(
        jti=secrets.token_urlsafe(24),
        user_id=stored_id(user),
        created_at=now,
        last_seen_at=now,
        expires_at=now + settings.session_absolute_seconds,
        kind=kind,
        address=address[:64],
    )
    db.add(row)
    db.flush()
    return _token_for(row, settings)


def _token_for(row: AuthSession, settings: Settings) -> str:
    claims = TokenClaims(sub=str(row.user_id), jti=row.jti, iat=row.created_at, exp=row.expires_at)
    return issue_token(claims, key=settings.secret_key)


@dataclass(frozen=True)
class SessionCheck:
    """Who a token belongs to (None: nobody), and whether its idle clock is due a refresh."""

    user: User | None
    session_id: int | None = None
    touch_due: bool = False


def check_session(db: Session, token: object, *, settings: Settings, now: int) -> SessionCheck:
    """Validate a token against its session row without writing (runs in a read transaction)."""
    claims = decode_token(token, key=settings.secret_key, now=now)
    if claims is None:
        return SessionCheck(user=None)
    found = db.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(AuthSession.jti == claims.jti)
    ).first()
    if found is None:
        return SessionCheck(user=None)
    row, user = found
    if (
        row.revoked_at is not None
        or row.expires_at <= now
        or row.last_seen_at + settings.session_idle_seconds <= now
        or not user.is_active
        or str(user.id) != claims.sub
    ):
        return SessionCheck(user=None)
    return SessionCheck(
        user=user, session_id=row.id, touch_due=now - row.last_seen_at >= TOUCH_EVERY_SECONDS
    )


def touch_session(db: Session, *, session_id: int, now: int) -> None:
    """Restart a live session's idle clock."""
    db.exec(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.last_seen_at) < now)
        .values(last_seen_at=now)
    )


def resolve_session(db: Session, token: object, *, settings: Settings, now: int) -> User | None:
    """The active user behind a live session token, else None; extends the idle timeout."""
    check = check_session(db, token, settings=settings, now=now)
    if check.user is not None and check.touch_due and check.session_id is not None:
        touch_session(db, session_id=check.session_id, now=now)
    return check.user


@dataclass(frozen=True)
class UserView:
    """Who is logged in: enough to greet them and to scope their data."""

    id: int
    username: str
    created_at: int

    @classmethod
    def of(cls, user: User) -> UserView:
        """The view of a stored user."""
        return cls(id=user.id or 0, username=user.username, created_at=user.created_at)


def resolve_user(db: Session, token: object, *, settings: Settings, now: int) -> UserView | None:
    """The live user behind a session token, else None: the check before every privileged act.

    Meant for a read transaction (run(..., read_only=True)), so checking a session on each
    event never queues behind writers. The idle clock is restarted at most every 30 s, in a
    SAVEPOINT: on SQLite a reader cannot always become a writer (another writer committed
    since it began), and then the refresh is skipped and the next event tries again.
    """
    found = _live_session_row(db, token, settings=settings, now=now)
    if found is None:
        return None
    session_id, last_seen_at, user = found
    if now - last_seen_at >= TOUCH_EVERY_SECONDS:
        try:
            with db.begin_nested():
                touch_session(db, session_id=session_id, now=now)
        except OperationalError:
            pass
    return user


_LIVE_SESSION = Prepared(
    core_select(
        col(AuthSession.id),
        col(AuthSession.last_seen_at),
        col(User.id),
        col(User.username),
        col(User.created_at),
    )
    .join(User, col(User.id) == col(AuthSession.user_id))
    .where(
        col(AuthSession.jti) == bindparam("jti"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
        col(AuthSession.last_seen_at) > bindparam("idle_since"),
        col(User.is_active).is_(True),
    )
)


def _live_session_row(
    db: Session, token: object, *, settings: Settings, now: int
) -> tuple[int, int, UserView] | None:
    # The hot path of every privileged event: one indexed Core statement (by jti), no ORM
    # objects; the same rules as check_session, judged by the database.
    claims = decode_token(token, key=settings.secret_key, now=now)
    if claims is None:
        return None
    row = _LIVE_SESSION.first(
        db.connection(),
        {"jti": claims.jti, "now": now, "idle_since": now - settings.session_idle_seconds},
    )
    if row is None:
        return None
    session_id, last_seen_at, user_id, username, created_at = row
    if session_id is None or user_id is None or str(user_id) != claims.sub:
        return None
    return session_id, last_seen_at, UserView(id=user_id, username=username, created_at=created_at)


def log_out(db: Session, *, token: object, settings: Settings, now: int) -> bool:
    """End the session of this token at once (the UI's log-out button and POST /logout)."""
    return revoke_session(db, token, settings=settings, now=now)


def revoke_session(db: Session, token: object, *, settings: Settings, now: int) -> bool:
    """End the session named by `token`; True when one was live."""
    claims = decode_token(token, key=settings.secret_key)
    if claims is None:
        return False
    result = db.exec(
        update(AuthSession)
        .where(col(AuthSession.jti) == claims.jti, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def revoke_user_sessions(db: Session, *, user_id: int, now: int) -> None:
    """End every session of a user (account disabled, password changed)."""
    db.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


@dataclass(frozen=True)
class SessionView:
    """One live login of the user, as the security page lists it."""

    id: int
    kind: str  # "browser" or "api"
    address: str
    started_at: int
    last_seen_at: int
    this_device: bool


def list_sessions(
    db: Session, *, user_id: int, current_session_id: int | None, settings: Settings, now: int
) -> list[SessionView]:
    """The user's live sessions, most recently active first; the caller's own is marked."""
    rows = db.exec(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > now,
            col(AuthSession.last_seen_at) > now - settings.session_idle_seconds,
        )
        .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())
    ).all()
    return [
        SessionView(
            id=stored_id(row),
            kind=row.kind,
            address=row.address,
            started_at=row.created_at,
            last_seen_at=row.last_seen_at,
            this_device=row.id == current_session_id,
        )
        for row in rows
    ]


def end_session(db: Session, *, user_id: int, session_id: object, now: int) -> bool:
    """End one of the user's own sessions; False when it is not theirs or already over."""
    if type(session_id) is not int or not 0 < session_id < 2**31:
        return False
    result = db.exec(
        update(AuthSession)
        .where(
            col(AuthSession.id) == session_id,
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def end_other_sessions(db: Session, *, user_id: int, keep_session_id: int | None, now: int) -> int:
    """End every session of the user but `keep_session_id` (None: all); how many ended."""
    query = update(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None)
    )
    if keep_session_id is not None:
        query = query.where(col(AuthSession.id) != keep_session_id)
    return db.exec(query.values(revoked_at=now)).rowcount


# --- use cases of the security page and GET/DELETE /api/account/sessions ---------------


class SessionEnded(DomainError):
    """The asking session is no longer live (expired, logged out, ended elsewhere)."""

    def __init__(self) -> None:
        super().__init__("Your session has ended. Log in again.")


def _asking(db: Session, token: object, settings: Settings, now: int) -> tuple[int, int]:
    # (user id, session id) of a live token, else SessionEnded: re-checked in the use case's
    # own transaction, so a session ended a moment ago cannot act.
    check = check_session(db, token, settings=settings, now=now)
    if check.user is None or check.session_id is None:
        raise SessionEnded()
    return stored_id(check.user), check.session_id


def sessions_of(db: Session, *, token: object, settings: Settings, now: int) -> list[SessionView]:
    """The live sessions of the token's user, the asking one marked "this device"."""
    user_id, session_id = _asking(db, token, settings, now)
    return list_sessions(
        db, user_id=user_id, current_session_id=session_id, settings=settings, now=now
    )


def end_own_session(
    db: Session, *, token: object, session_id: object, settings: Settings, now: int
) -> bool:
    """End one session of the token's user (any of theirs, this one too); False when it is
    not theirs or already over."""
    user_id, _ = _asking(db, token, settings, now)
    return end_session(db, user_id=user_id, session_id=session_id, now=now)


def end_sessions_but_this(db: Session, *, token: object, settings: Settings, now: int) -> int:
    """End every other session of the token's user; how many ended."""
    user_id, session_id = _asking(db, token, settings, now)
    return end_other_sessions(db, user_id=user_id, keep_session_id=session_id, now=now)


LOGIN_NONCE_CHARS = (20, 100)  # the browser's login-nonce cookie: random, URL-safe


def valid_login_nonce(nonce: object) -> bool:
    """True for a plausible login-nonce cookie value (what security.new_login_nonce makes)."""
    low, high = LOGIN_NONCE_CHARS
    return (
        isinstance(nonce, str)
        and low <= len(nonce) <= high
        and nonce.isascii()
        and all(ch.isalnum() or ch in "-_" for ch in nonce)
    )


def _code_hash(code: str, browser_nonce: str) -> str:
    # The code is stored bound to the browser's nonce: the same code presented by another
    # browser (a hostile page logging its victim into the attacker's account) matches nothing.
    return hashlib.sha256(f"{code}|{browser_nonce}".encode()).hexdigest()


def create_login_code(
    db: Session, *, token: str, next_path: str, browser_nonce: str, settings: Settings, now: int
) -> str:
    """A single-use code, valid for a minute, that the cookie endpoint swaps for `token` in the
    browser holding `browser_nonce` (its login-nonce cookie) and no other."""
    if not valid_login_nonce(browser_nonce):
        raise ValueError("a login code needs the browser's login nonce")
    claims = decode_token(token, key=settings.secret_key)
    if claims is None:
        raise ValueError("token is not valid")
    session_id = db.exec(select(AuthSession.id).where(AuthSession.jti == claims.jti)).one()
    assert session_id is not None  # a stored row's primary key
    code = secrets.token_urlsafe(32)
    db.add(
        LoginCode(
            code_hash=_code_hash(code, browser_nonce),
            session_id=session_id,
            next_path=next_path,
            expires_at=now + settings.login_code_seconds,
        )
    )
    db.exec(delete(LoginCode).where(col(LoginCode.expires_at) <= now))
    return code


@dataclass(frozen=True)
class RedeemedLogin:
    """A login code swapped for its session: the cookie values and where to go."""

    token: str
    next_path: str
    device_token: str


def redeem_login_code(
    db: Session, code: object, *, browser_nonce: object, settings: Settings, now: int
) -> RedeemedLogin | None:
    """The session of a fresh unused code presented by the browser it was made for, else None.

    A code works once only. `device_token` marks this browser as one the user logs in from
    (it skips the per-account login delay next time).
    """
    if not isinstance(code, str) or not 20 <= len(code) <= 100:
        return None
    if not valid_login_nonce(browser_nonce):
        return None
    assert isinstance(browser_nonce, str)
    found = db.exec(
        select(LoginCode, AuthSession, User)
        .join(AuthSession, col(AuthSession.id) == col(LoginCode.session_id))
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(LoginCode.code_hash == _code_hash(code, browser_nonce))
    ).first()
    if found is None:
        return None
    login_code, row, user = found
    # The conditional delete is the claim: of two concurrent redemptions only one deletes.
    claimed = db.exec(
        delete(LoginCode).where(
            col(LoginCode.code_hash) == login_code.code_hash, col(LoginCode.expires_at) > now
        )
    )
    if claimed.rowcount != 1 or row.revoked_at is not None:
        return None
    device = issue_device_token(stored_id(user), settings, now=now, stamp=user.password_hash)
    return RedeemedLogin(
        token=_token_for(row, settings), next_path=login_code.next_path, device_token=device
    )
