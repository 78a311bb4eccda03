"""Which transactions may skip the wait for the disk: a mark a use case carries.

Money (checkout, sales, deposits, withdrawals) and everything unmarked commit durably: the
commit returns once the write is on disk. A use case marked `money_free` (cart changes) may
commit without that wait: the database stays consistent after a crash, but the last few such
commits may be lost on a power cut. `fintech_ui.db.run` reads the mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def money_free(use_case: F) -> F:
    """Mark a use case whose writes move no money: its commit need not wait for the disk."""
    use_case.money_free = True  # type: ignore[attr-defined]
    return use_case


def is_money_free(use_case: Callable) -> bool:
    """True only for use cases marked with money_free (unmarked ones stay fully durable)."""
    return getattr(use_case, "money_free", False) is True
