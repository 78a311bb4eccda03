"""Revocable sessions: a signed JWT names a database row that can be revoked at any moment."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from fintech_ui.models import AuthSession, LoginCode, User
from fintech_ui.security import TokenClaims, decode_token, issue_token
from fintech_ui.settings import Settings

TOUCH_EVERY_SECONDS = 30  # refresh last_seen_at at most this often, to spare the database


def create_session(db: Session, *, user: User, settings: Settings, now: int) -> str:
    """Open a new session for `user` and return its signed token."""
    row = AuthSession(
        jti=secrets.token_urlsafe(24),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + settings.session_absolute_seconds,
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


_LIVE_SESSION = (
    select(
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
    row = (
        db.connection()
        .execute(
            _LIVE_SESSION,
            {"jti": claims.jti, "now": now, "idle_since": now - settings.session_idle_seconds},
        )
        .first()
    )
    if row is None or str(row[2]) != claims.sub:
        return None
    return row[0], row[1], UserView(id=row[2], username=row[3], created_at=row[4])


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
