"""The primary key of a stored row as an `int` (SQLModel types every `id` as `int | None`)."""

from __future__ import annotations

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Row) -> int:
    """The id of a row already flushed; one without an id here is a bug, so it fails loudly
    instead of writing a foreign key of 0."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} is not stored yet")
    return row.id
