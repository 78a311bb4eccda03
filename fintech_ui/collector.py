"""Keep Python's cyclic garbage collector from pausing every user of a worker.

A worker holds about 190,000 long-lived objects once the app is imported (the compiled
pages, the states' classes, SQLAlchemy's metadata). A full collection walks all of them:
about 0.1 s here, during which no event of any user is processed, often enough to set the
p99 of a busy worker. Those objects live as long as the process, so after start-up they are
moved out of the collector's sight (`gc.freeze`); it then walks only what events create.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

SETTLE_SECONDS = 5.0  # let the worker finish starting (imports, first requests) first


def freeze_long_lived() -> int:
    """Collect once, then exclude every object alive now from later collections; how many."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def freeze_after_start(_app: Any = None) -> None:
    """A lifespan task: freeze the start-up objects once the worker has settled."""
    await asyncio.sleep(SETTLE_SECONDS)
    freeze_long_lived()
