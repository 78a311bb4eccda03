"""Revocable sessions: a signed JWT names a database row that can be revoked at any moment."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from fintech_ui.models import AuthSession, LoginCode, User
from fintech_ui.security import TokenClaims, decode_token, issue_token
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
        user_id=user.id,
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
        .join(User, User.id == AuthSession.user_id)
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
    if check.user is not None and check.touch_due:
        touch_session(db, session_id=check.session_id, now=now)
    return check.user


def resolve_user(
    scope: Callable[..., AbstractContextManager[Session]],
    token: object,
    *,
    settings: Settings,
    now: int,
) -> User | None:
    """resolve_session in a read transaction, plus a write only when the idle clock is due a
    refresh (every 30 s), so checking a session on each event never queues behind writers."""
    with scope(read_only=True) as db:
        check = check_session(db, token, settings=settings, now=now)
    if check.user is not None and check.touch_due:
        with scope() as db:
            touch_session(db, session_id=check.session_id, now=now)
    return check.user


def revoke_session(db: Session, token: object, *, settings: Settings, now: int) -> bool:
    """End the session named by `token`; True when one was live."""
    claims = decode_token(token, key=settings.secret_key)
    if claims is None:
        return False
    result = db.exec(
        update(AuthSession)
        .where(AuthSession.jti == claims.jti, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def revoke_user_sessions(db: Session, *, user_id: int, now: int) -> None:
    """End every session of a user (account disabled, password changed)."""
    db.exec(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
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
            id=row.id,
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
    if type(session_id) is not int:
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


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_login_code(
    db: Session, *, token: str, next_path: str, settings: Settings, now: int
) -> str:
    """A single-use code, valid for a minute, that the cookie endpoint swaps for `token`."""
    claims = decode_token(token, key=settings.secret_key)
    if claims is None:
        raise ValueError("token is not valid")
    session_id = db.exec(select(AuthSession.id).where(AuthSession.jti == claims.jti)).one()
    code = secrets.token_urlsafe(32)
    db.add(
        LoginCode(
            code_hash=_code_hash(code),
            session_id=session_id,
            next_path=next_path,
            expires_at=now + settings.login_code_seconds,
        )
    )
    db.exec(delete(LoginCode).where(LoginCode.expires_at <= now))
    return code


def redeem_login_code(
    db: Session, code: object, *, settings: Settings, now: int
) -> tuple[str, str] | None:
    """(token, next path) for a fresh unused code, else None. A code works once only."""
    if not isinstance(code, str) or not 20 <= len(code) <= 100:
        return None
    found = db.exec(
        select(LoginCode, AuthSession)
        .join(AuthSession, AuthSession.id == LoginCode.session_id)
        .where(LoginCode.code_hash == _code_hash(code))
    ).first()
    if found is None:
        return None
    login_code, row = found
    # The conditional delete is the claim: of two concurrent redemptions only one deletes.
    claimed = db.exec(
        delete(LoginCode).where(
            LoginCode.code_hash == login_code.code_hash, LoginCode.expires_at > now
        )
    )
    if claimed.rowcount != 1 or row.revoked_at is not None:
        return None
    return _token_for(row, settings), login_code.next_path
