"""Operator commands: `python -m fintech_ui.cli disable-user|enable-user|reset-password NAME`."""

from __future__ import annotations

import os
import sys
import time

from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import PolicyError, normalize_username, username_key
from fintech_ui.services.accounts import (
    RESET_TOKEN_SECONDS,
    NoSuchUser,
    create_reset_token,
    disable_user,
    reset_link,
)

USAGE = "usage: python -m fintech_ui.cli {disable-user|enable-user|reset-password} USERNAME"


def _reset_password(name: str) -> int:
    """Print a single-use link (there is no e-mail: the operator hands it to the user)."""
    try:
        with session_scope() as db:
            token = create_reset_token(db, username=name, now=int(time.time()))
    except NoSuchUser as exc:
        print(exc, file=sys.stderr)
        return 1
    print(reset_link(token, os.environ.get("REFLEX_DEPLOY_URL", "")))
    print(f"valid for {RESET_TOKEN_SECONDS // 60} minutes, once", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    """Disable (ending every session at once) or re-enable an account, or print a reset link."""
    commands = ("disable-user", "enable-user", "reset-password")
    if len(argv) != 3 or argv[1] not in commands:
        print(USAGE, file=sys.stderr)
        return 2
    if argv[1] == "reset-password":
        return _reset_password(argv[2])
    try:
        key = username_key(normalize_username(argv[2]))
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    with session_scope() as db:
        user = db.exec(select(User).where(User.username_key == key)).first()
        if user is None:
            print(f"no such user: {argv[2]}", file=sys.stderr)
            return 1
        if argv[1] == "disable-user":
            disable_user(db, user_id=user.id, now=int(time.time()))
        else:
            user.is_active = True
            db.add(user)
    print(f"{argv[1].split('-')[0]}d {user.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
