"""Demo and benchmark data. `python -m fintech_ui.seed demo | synthetic N`."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from sqlmodel import Session, select

from fintech_ui.db import session_scope
from fintech_ui.models import CATEGORIES, Item

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
    return max(0, count - start)


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
