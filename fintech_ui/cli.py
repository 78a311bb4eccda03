"""Operator commands: `python -m fintech_ui.cli disable-user NAME` / `enable-user NAME`."""

from __future__ import annotations

import sys
import time

from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import PolicyError, normalize_username, username_key
from fintech_ui.services.accounts import disable_user

USAGE = "usage: python -m fintech_ui.cli {disable-user|enable-user} USERNAME"


def main(argv: list[str]) -> int:
    """Disable (ending every session at once) or re-enable an account."""
    if len(argv) != 3 or argv[1] not in ("disable-user", "enable-user"):
        print(USAGE, file=sys.stderr)
        return 2
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
