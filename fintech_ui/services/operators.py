"""Use cases of the operators' command line (fintech_ui/cli.py): accounts found by name."""

from __future__ import annotations

from sqlmodel import Session, select

from fintech_ui.errors import DomainError
from fintech_ui.models import User
from fintech_ui.security import normalize_username, username_key
from fintech_ui.services.accounts import (
    NoSuchUser,
    create_reset_token,
    disable_user,
    reset_link,
)


class UnknownUser(DomainError):
    """No account has that username."""


def set_account_active(db: Session, *, username: object, active: bool, now: int) -> str:
    """Re-enable an account, or disable it and end its sessions at once; its display name.

    PolicyError when the name cannot be a username, UnknownUser when nobody has it.
    """
    key = username_key(normalize_username(username))
    user = db.exec(select(User).where(User.username_key == key)).first()
    if user is None or user.id is None:
        raise UnknownUser(f"no such user: {username}")
    if active:
        user.is_active = True
        db.add(user)
    else:
        disable_user(db, user_id=user.id, now=now)
    return user.username


def reset_password_link(db: Session, *, username: object, base_url: str, now: int) -> str:
    """A single-use link, valid 30 minutes, where the user sets a new password (no e-mail:
    the operator hands it over). UnknownUser when nobody has that name."""
    try:
        token = create_reset_token(db, username=username, now=now)
    except NoSuchUser:
        raise UnknownUser(f"no such user: {username}") from None
    return reset_link(token, base_url)
