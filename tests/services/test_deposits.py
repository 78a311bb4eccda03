"""Deposits are idempotent: the same key never credits twice (issue 10, defect 6)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from fintech_ui.errors import DomainError
from fintech_ui.models import LedgerEntry
from fintech_ui.services.ledger import DepositError, balance_cents, deposit

T0 = 1_700_000_000


def _deposit(scope, user_id, amount_cents=2500, key="deposit-key-1", now=T0):
    with scope() as db:
        return deposit(db, user_id=user_id, amount_cents=amount_cents, idempotency_key=key, now=now)


def _balance(scope, user_id) -> int:
    with scope(read_only=True) as db:
        return balance_cents(db, user_id=user_id)


def _entries(scope, user_id) -> int:
    with scope(read_only=True) as db:
        query = select(func.count()).where(LedgerEntry.user_id == user_id)
        return db.exec(query).one()


def test_deposit_credits_the_balance(scope, make_user, check_invariants):
    alice = make_user()
    view = _deposit(scope, alice)
    assert (view.amount_cents, view.balance_after_cents, view.replayed) == (2500, 2500, False)
    assert _balance(scope, alice) == 2500
    check_invariants()


def test_replayed_deposit_returns_the_first_result_and_credits_once(
    scope, make_user, check_invariants
):
    alice = make_user()
    first = _deposit(scope, alice)
    again = _deposit(scope, alice, now=T0 + 5)
    assert again.entry_id == first.entry_id
    assert again.balance_after_cents == first.balance_after_cents
    assert again.replayed is True
    assert _balance(scope, alice) == 2500
    assert _entries(scope, alice) == 1
    check_invariants()


def test_new_key_credits_again(scope, make_user):
    alice = make_user()
    _deposit(scope, alice, key="one")
    _deposit(scope, alice, key="two")
    assert _balance(scope, alice) == 5000


def test_same_key_with_another_amount_is_refused(scope, make_user):
    alice = make_user()
    _deposit(scope, alice)
    with pytest.raises(DepositError, match="already used for another amount"):
        _deposit(scope, alice, amount_cents=9999)
    assert _balance(scope, alice) == 2500


def test_same_key_of_another_user_is_independent(scope, make_user):
    alice, bob = make_user(), make_user()
    _deposit(scope, alice)
    _deposit(scope, bob)
    assert (_balance(scope, alice), _balance(scope, bob)) == (2500, 2500)


@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "nul\x00", "ключ", None, 42], ids=repr)
def test_malformed_key_is_refused(scope, make_user, key):
    alice = make_user()
    with pytest.raises(DepositError, match="Idempotency key"):
        _deposit(scope, alice, key=key)
    assert _balance(scope, alice) == 0


def test_deposit_errors_are_domain_errors():
    assert issubclass(DepositError, DomainError)


def test_the_same_deposit_from_eight_threads_credits_once(scope, make_user, check_invariants):
    alice = make_user()
    barrier = threading.Barrier(8)
    results, errors = [], []

    def racer() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(_deposit(scope, alice, key="double-click"))
        except BaseException as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=racer, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len({view.entry_id for view in results}) == 1
    assert sum(not view.replayed for view in results) == 1
    assert _balance(scope, alice) == 2500
    check_invariants()
