"""Demo and benchmark data. `python -m fintech_ui.seed demo | synthetic N | set-price SKU 12.34`."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from sqlmodel import Session, col, func, select

from fintech_ui.db import now, session_scope
from fintech_ui.models import CATEGORIES, Item
from fintech_ui.money import MoneyError, format_cents, parse_amount
from fintech_ui.services import prices

DEMO_FILE = Path(__file__).parent / "data" / "demo_catalogue.json"


def seed_demo(db: Session) -> int:
    """Add the demo products that are missing (by SKU); returns how many were added."""
    rows = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    known = set(db.exec(select(Item.sku)).all())
    added = 0
    for sku, name, category, description, price_cents, stock, risk in rows:
        if sku in known:
            continue
        db.add(
            Item(
                sku=sku,
                name=name,
                name_key=name.lower(),
                category=category,
                description=description,
                price_cents=price_cents,
                stock=stock,
                risk_level=risk,
            )
        )
        added += 1
    db.flush()
    # A year of daily prices for every demo product that lacks one (bulk insert, ~11k rows).
    skus = [row[0] for row in rows]
    ids = list(db.exec(select(Item.id).where(col(Item.sku).in_(skus))).all())
    prices.add_demo_history(db, item_ids=ids, now=now())
    return added


_WORDS = (
    "Alpine",
    "Atlas",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Rowan",
    "Summit",
    "Tidal",
    "Umber",
    "Vertex",
    "Willow",
    "Zenith",
)
_KINDS = {
    "fund": "Fund",
    "bond": "Bond",
    "stock": "Shares",
    "crypto": "Token",
    "commodity": "Tracker",
}


def seed_synthetic(db: Session, count: int, *, seed: int = 7) -> int:
    """Add `count` generated products (SKU prefix SYN-) for benchmarks; idempotent per index."""
    rng = random.Random(seed)  # noqa: S311  (repeatable fake data, not secrets)
    start = len(db.exec(select(Item.id).where(Item.sku.like("SYN-%"))).all())
    first_new_id = (db.exec(select(func.max(Item.id))).one() or 0) + 1
    batch: list[Item] = []
    for index in range(start, count):
        category = CATEGORIES[index % len(CATEGORIES)]
        name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {_KINDS[category]} {index:06d}"
        batch.append(
            Item(
                sku=f"SYN-{index:07d}",
                name=name,
                name_key=name.lower(),
                category=category,
                description="Synthetic product for benchmarks.",
                price_cents=rng.randint(100, 500_000),
                stock=rng.randint(0, 5000),
                risk_level=rng.randint(1, 5),
            )
        )
        if len(batch) == 5000:
            db.add_all(batch)
            db.flush()
            batch.clear()
    db.add_all(batch)
    db.flush()
    # One price point each (today's price), in one INSERT … SELECT: a year of daily history
    # for 100k products would be 36.5M rows for no benchmark that needs it.
    prices.add_current_points(db, min_item_id=first_new_id, now=now())
    return max(0, count - start)


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
