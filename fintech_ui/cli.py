"""Operator commands: `python -m fintech_ui.cli disable-user NAME` / `enable-user NAME`."""

from __future__ import annotations

import sys

from fintech_ui.db import now, session_scope
from fintech_ui.security import PolicyError
from fintech_ui.services.operators import UnknownUser, set_account_active

USAGE = "usage: python -m fintech_ui.cli {disable-user|enable-user} USERNAME"


def main(argv: list[str]) -> int:
    """Disable (ending every session at once) or re-enable an account."""
    if len(argv) != 3 or argv[1] not in ("disable-user", "enable-user"):
        print(USAGE, file=sys.stderr)
        return 2
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
