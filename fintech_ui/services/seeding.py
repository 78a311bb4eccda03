"""Demo and benchmark catalogues: the rows `python -m fintech_ui.seed demo | synthetic N` adds."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlmodel import Session, col, func, select

from fintech_ui.db import now as clock
from fintech_ui.models import CATEGORIES, Item
from fintech_ui.services import catalogue, prices

DEMO_FILE = Path(__file__).parents[1] / "data" / "demo_catalogue.json"


def seed_demo(db: Session, *, now: int | None = None) -> int:
    """Add the demo products that are missing (by SKU), each with a year of daily prices;
    returns how many products were added."""
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
    ids = [i for i in db.exec(select(Item.id).where(col(Item.sku).in_(skus))).all() if i]
    prices.add_demo_history(db, item_ids=ids, now=clock() if now is None else now)
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


def seed_synthetic(db: Session, count: int, *, seed: int = 7, now: int | None = None) -> int:
    """Add `count` generated products (SKU prefix SYN-) for benchmarks; idempotent per index."""
    rng = random.Random(seed)  # noqa: S311  (repeatable fake data, not secrets)
    start = len(db.exec(select(Item.id).where(col(Item.sku).like("SYN-%"))).all())
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
    prices.add_current_points(db, min_item_id=first_new_id, now=clock() if now is None else now)
    catalogue.compact_search_indexes(db)
    return max(0, count - start)
