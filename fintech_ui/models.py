"""Every database table. Times are integer UNIX seconds (UTC), the same on SQLite and Postgres."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """An investor's account."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("length(username) BETWEEN 3 AND 32", name="ck_users_len"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32)
    # casefolded NFKC form: uniqueness ignores case, display keeps the user's spelling
    username_key: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    is_active: bool = Field(default=True)
    created_at: int


class AuthSession(SQLModel, table=True):
    """A login. The JWT names it by `jti`; deleting or revoking the row ends the login at once."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    jti: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: int
    last_seen_at: int
    expires_at: int  # the absolute limit; the idle limit is last_seen_at + idle timeout
    revoked_at: int | None = Field(default=None)


class LoginCode(SQLModel, table=True):
    """A single-use code the browser swaps for its HttpOnly session cookie."""

    __tablename__ = "login_codes"

    code_hash: str = Field(primary_key=True, max_length=64)  # SHA-256: a leaked table is useless
    session_id: int = Field(foreign_key="auth_sessions.id", ondelete="CASCADE")
    next_path: str = Field(max_length=512)
    expires_at: int


class LoginFailure(SQLModel, table=True):
    """One failed login, kept for an hour to throttle guessing per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=8)  # "user" or "addr"
    key: str = Field(max_length=128)
    at: int
