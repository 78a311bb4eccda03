"""Operator commands: disable-user, enable-user, make-admin and revoke-admin USERNAME."""

from __future__ import annotations

import sys

from fintech_ui.db import now, session_scope
from fintech_ui.security import PolicyError
from fintech_ui.services.admin_access import ADMIN, CUSTOMER, set_role
from fintech_ui.services.operators import UnknownUser, set_account_active

COMMANDS = ("disable-user", "enable-user", "make-admin", "revoke-admin")
USAGE = "usage: python -m fintech_ui.cli {" + "|".join(COMMANDS) + "} USERNAME"
DONE = {
    "disable-user": "disabled",
    "enable-user": "enabled",
    "make-admin": "made admin:",
    "revoke-admin": "revoked admin:",
}


def main(argv: list[str]) -> int:
    """Disable (ending every session at once) or re-enable an account; grant or revoke admin."""
    if len(argv) != 3 or argv[1] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    command, username = argv[1], argv[2]
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
