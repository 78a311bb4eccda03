"""Demo and benchmark data: `python -m fintech_ui.seed demo | synthetic N`."""

from __future__ import annotations

import sys

from fintech_ui.db import session_scope
from fintech_ui.services.seeding import seed_demo, seed_synthetic


def main(argv: list[str]) -> int:
    """Entry point for `make run` (demo) and `make bench` (synthetic)."""
    if argv[1:2] == ["demo"] and len(argv) == 2:
        with session_scope() as db:
            print(f"demo catalogue: {seed_demo(db)} products added")
        return 0
    if argv[1:2] == ["synthetic"] and len(argv) == 3 and argv[2].isdigit():
        with session_scope() as db:
            print(f"synthetic catalogue: {seed_synthetic(db, int(argv[2]))} products added")
        return 0
    print("usage: python -m fintech_ui.seed demo | synthetic N", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
