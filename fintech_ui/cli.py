"""Operator commands: `python -m fintech_ui.cli disable-user|enable-user|reset-password NAME`."""

from __future__ import annotations

import os
import sys

from fintech_ui.db import now, session_scope
from fintech_ui.security import PolicyError
from fintech_ui.services.accounts import RESET_TOKEN_SECONDS
from fintech_ui.services.operators import UnknownUser, reset_password_link, set_account_active

USAGE = "usage: python -m fintech_ui.cli {disable-user|enable-user|reset-password} USERNAME"


def _reset_password(name: str) -> int:
    """Print a single-use link (there is no e-mail: the operator hands it to the user)."""
    try:
        with session_scope() as db:
            link = reset_password_link(
                db, username=name, base_url=os.environ.get("REFLEX_DEPLOY_URL", ""), now=now()
            )
    except UnknownUser as exc:
        print(exc, file=sys.stderr)
        return 1
    print(link)
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
        with session_scope() as db:
            name = set_account_active(
                db, username=argv[2], active=argv[1] == "enable-user", now=now()
            )
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    except UnknownUser as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{argv[1].split('-')[0]}d {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
