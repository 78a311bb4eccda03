"""Operator commands: disable-user, enable-user, make-admin, revoke-admin, reset-password NAME."""

from __future__ import annotations

import os
import sys

from fintech_ui.db import now, session_scope
from fintech_ui.security import PolicyError
from fintech_ui.services.accounts import RESET_TOKEN_SECONDS
from fintech_ui.services.admin_access import ADMIN, CUSTOMER, set_role
from fintech_ui.services.operators import UnknownUser, reset_password_link, set_account_active

COMMANDS = ("disable-user", "enable-user", "make-admin", "revoke-admin", "reset-password")
USAGE = "usage: python -m fintech_ui.cli {" + "|".join(COMMANDS) + "} USERNAME"
DONE = {
    "disable-user": "disabled",
    "enable-user": "enabled",
    "make-admin": "made admin:",
    "revoke-admin": "revoked admin:",
}


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
    """Disable (ending every session at once) or re-enable an account; grant or revoke admin;
    print a password-reset link."""
    if len(argv) != 3 or argv[1] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    command, username = argv[1], argv[2]
    if command == "reset-password":
        return _reset_password(username)
    try:
        with session_scope() as db:
            if command.endswith("-admin"):
                role = ADMIN if command == "make-admin" else CUSTOMER
                name = set_role(db, username=username, role=role, now=now())
            else:
                active = command == "enable-user"
                name = set_account_active(db, username=username, active=active, now=now())
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    except UnknownUser as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{DONE[command]} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
