"""Start-up objects are moved out of the collector's sight, so a full collection stays short."""

from __future__ import annotations

import gc

from fintech_ui.collector import freeze_long_lived


def _seen_by_collector(target: object) -> bool:
    return any(obj is target for obj in gc.get_objects())


def test_objects_alive_at_start_up_are_frozen_and_new_ones_are_not():
    gc.unfreeze()
    try:
        start_up = [object() for _ in range(10)]
        assert _seen_by_collector(start_up)
        frozen = freeze_long_lived()
        assert frozen == gc.get_freeze_count() > len(start_up)
        assert not _seen_by_collector(start_up)  # a full collection no longer walks it
        made_by_an_event = [object()]
        assert _seen_by_collector(made_by_an_event)
    finally:
        gc.unfreeze()
