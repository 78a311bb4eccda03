"""Reads and a race harness shared by the service tests (each takes the `scope` factory)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fintech_ui.models import Item
from fintech_ui.services.cart import CartOwner, lines
from fintech_ui.services.ledger import balance_cents

JOIN_SECONDS = 60


def balance(scope, user_id: int) -> int:
    """The user's balance as the database has it."""
    with scope(read_only=True) as db:
        return balance_cents(db, user_id=user_id)


def stock(scope, item_id: int) -> int:
    """A product's units in stock."""
    with scope(read_only=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        return item.stock


def cart(scope, user_id: int) -> dict[int, int]:
    """{item_id: quantity} of the user's cart."""
    with scope(read_only=True) as db:
        return {ln.item_id: ln.quantity for ln in lines(db, CartOwner(user_id=user_id))}


def race(count: int, racer: Callable[[int], Any]) -> list[Any]:
    """Run `racer(0..count-1)` on threads released together by a barrier; what each returned,
    or the exception it raised (the caller sorts refusals from failures)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = racer(index)
        except BaseException as exc:  # handed to the caller with the racer's number
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return results
