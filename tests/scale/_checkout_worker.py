"""A stand-in for an app worker running one checkout, for test_worker_killed_mid_checkout.py.

    python _checkout_worker.py stall MARKER USER_ID KEY NOW
    python _checkout_worker.py run USER_ID KEY NOW

The database is FINTECH_DATABASE_URL, through the app's own `session_scope`. `stall` makes
`fintech_ui.services.cart.remove_lines` (the last step of `place_order`, after stock, balance,
order and ledger were written and before the commit) do its work, flush it, write what the
open transaction sees to MARKER as JSON and then sleep: the test kills the process there.
`run` checks out normally and prints the order as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import Account, CartLine, Item, LedgerEntry, Order
from fintech_ui.services import cart as carts
from fintech_ui.services.orders import checkout


def _stall_in_remove_lines(marker: Path) -> None:
    real_remove_lines = carts.remove_lines

    def remove_lines_then_hang(db, owner, item_ids) -> None:
        real_remove_lines(db, owner, item_ids)
        db.flush()
        seen = {
            "orders": [o.id for o in db.exec(select(Order)).all()],
            "balance_cents": db.exec(
                select(Account.balance_cents).where(Account.user_id == owner.user_id)
            ).one(),
            "ledger_cents": [e.amount_cents for e in db.exec(select(LedgerEntry)).all()],
            "stock": {str(i.id): i.stock for i in db.exec(select(Item)).all()},
            "cart_lines": len(db.exec(select(CartLine)).all()),
        }
        partial = marker.with_suffix(".partial")
        partial.write_text(json.dumps(seen))
        partial.rename(marker)  # the test never reads a half-written marker
        time.sleep(60)
        raise SystemExit("not killed in time")

    carts.remove_lines = remove_lines_then_hang


def main(argv: list[str]) -> int:
    mode, *rest = argv[1:]
    if mode == "stall":
        marker, user_id, key, now = rest
        _stall_in_remove_lines(Path(marker))
    else:
        user_id, key, now = rest
    order = checkout(session_scope, user_id=int(user_id), idempotency_key=key, now=int(now))
    print(json.dumps({"order_id": order.id, "total_cents": order.total_cents}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
