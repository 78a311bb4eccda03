"""Demo and benchmark data. `python -m fintech_ui.seed demo | synthetic N | set-price SKU 12.34`."""

from __future__ import annotations

import sys

from fintech_ui.db import now, session_scope
from fintech_ui.money import MoneyError, format_cents, parse_amount
from fintech_ui.services import prices
from fintech_ui.services.seeding import seed_demo, seed_synthetic


def set_price(sku: str, amount: str) -> str:
    """`set-price SKU 12.34`: change a price (appending it to the history); a line to print."""
    cents = parse_amount(amount, min_cents=1, max_cents=prices.MAX_PRICE_CENTS)
    with session_scope() as db:
        change = prices.set_price(db, sku=sku, price_cents=cents, now=now())
    return (
        f"{change.sku}: {format_cents(change.old_price_cents)} -> "
        f"{format_cents(change.new_price_cents)}"
    )


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
    if argv[1:2] == ["set-price"] and len(argv) == 4:
        try:
            print(set_price(argv[2], argv[3]))
        except (MoneyError, prices.PriceError) as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    print(
        "usage: python -m fintech_ui.seed demo | synthetic N | set-price SKU 12.34", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
