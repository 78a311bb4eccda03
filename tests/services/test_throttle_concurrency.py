"""Simultaneous guesses take turns on the throttle (issue 10, defect 3).

Before, sixteen guesses released together on PostgreSQL all read "no failures yet" and all
ran bcrypt. Now the attempts on one account (and one address) queue on an advisory lock, so
no more than the free failures pass before the delay starts. SQLite queues writers anyway.
"""

from __future__ import annotations

import threading

import pytest

from fintech_ui.services import accounts, throttle
from fintech_ui.services.accounts import LoginOutcome, authenticate, register

T0 = 1_700_000_000
PASSWORD = "Tr0ub4dor&3-staple"
RACERS = 16


@pytest.fixture
def alice(scope, settings) -> int:
    with scope() as db:
        return register(db, username="alice", password=PASSWORD, settings=settings, now=T0).id


def _race(scope, settings, *, password: str, addresses: list[str]) -> list[LoginOutcome]:
    barrier = threading.Barrier(len(addresses))
    outcomes: list[LoginOutcome | None] = [None] * len(addresses)
    errors: list[str] = []

    def racer(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            with scope() as db:
                outcomes[i] = authenticate(
                    db,
                    username="alice",
                    password=password,
                    address=addresses[i],
                    settings=settings,
                    now=T0 + 10,
                )
        except BaseException as exc:  # reported below
            errors.append(f"{i}: {exc!r}")

    threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return outcomes


def _counting_bcrypt(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = accounts.match_password

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts, "match_password", counted)
    return calls


def test_sixteen_parallel_guesses_from_many_addresses_pass_the_throttle_at_most_five_times(
    scope, settings, alice, monkeypatch
):
    bcrypt_calls = _counting_bcrypt(monkeypatch)
    addresses = [f"10.1.0.{i}" for i in range(RACERS)]

    outcomes = _race(scope, settings, password="not-the-password-1", addresses=addresses)

    passed = [o for o in outcomes if o.retry_after == 0]
    assert len(passed) == throttle.ACCOUNT.free_failures
    assert len(bcrypt_calls) == throttle.ACCOUNT.free_failures
    assert all(o.user is None for o in outcomes)


def test_sixteen_parallel_guesses_from_one_address_pass_at_most_its_free_failures(
    scope, settings, alice, monkeypatch
):
    bcrypt_calls = _counting_bcrypt(monkeypatch)

    outcomes = _race(
        scope, settings, password="not-the-password-1", addresses=["10.2.0.1"] * RACERS
    )

    assert sum(o.retry_after == 0 for o in outcomes) <= throttle.ACCOUNT.free_failures
    assert len(bcrypt_calls) <= throttle.ACCOUNT.free_failures
