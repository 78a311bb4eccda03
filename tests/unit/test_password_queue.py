"""db.run(..., passwords=True) refuses with Busy instead of queueing without bound (issue 10, 7)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from fintech_ui import db
from fintech_ui.db import Busy, run
from fintech_ui.errors import DomainError

LIMIT = 3


@pytest.fixture
def slots(monkeypatch) -> threading.BoundedSemaphore:
    semaphore = threading.BoundedSemaphore(LIMIT)
    monkeypatch.setattr(db, "_password_slots", lambda: semaphore)
    return semaphore


def _blocked(release: threading.Event):
    def use_case(_session, value):
        release.wait(30)
        return value

    return use_case


def test_jobs_beyond_the_limit_are_refused_busy_at_once(slots):
    async def scenario():
        release = threading.Event()
        jobs = [
            asyncio.ensure_future(run(_blocked(release), i, read_only=True, passwords=True))
            for i in range(LIMIT)
        ]
        await asyncio.sleep(0)
        with pytest.raises(
            Busy, match=r"^The service is busy, try again in a few seconds\.$"
        ) as busy:
            await run(_blocked(release), 99, read_only=True, passwords=True)
        release.set()
        return await asyncio.gather(*jobs), busy.value.retry_after

    results, retry_after = asyncio.run(scenario())
    assert results == list(range(LIMIT))
    assert retry_after > 0


def test_slots_are_free_again_once_jobs_end(slots):
    async def scenario():
        release = threading.Event()
        release.set()
        for i in range(3 * LIMIT):
            assert await run(_blocked(release), i, read_only=True, passwords=True) == i

    asyncio.run(scenario())
    assert all(slots.acquire(blocking=False) for _ in range(LIMIT))


def test_a_failing_job_frees_its_slot(slots):
    def broken(_session):
        raise RuntimeError("boom")

    async def scenario():
        for _ in range(LIMIT + 1):
            with pytest.raises(RuntimeError):
                await run(broken, read_only=True, passwords=True)

    asyncio.run(scenario())
    assert all(slots.acquire(blocking=False) for _ in range(LIMIT))


def test_ordinary_database_work_is_not_limited(slots):
    for _ in range(LIMIT):
        slots.acquire()

    async def scenario():
        return await run(lambda _session: "ok", read_only=True)

    assert asyncio.run(scenario()) == "ok"


def test_busy_is_a_domain_error_with_a_default_limit_of_four_per_thread(monkeypatch):
    assert issubclass(Busy, DomainError)
    db._password_slots.cache_clear()
    try:
        semaphore = db._password_slots()
        taken = 0
        while semaphore.acquire(blocking=False):
            taken += 1
        assert taken == 4 * db.PASSWORD_THREADS
    finally:
        db._password_slots.cache_clear()
