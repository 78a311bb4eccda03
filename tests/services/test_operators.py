"""The operators' use cases: disabling and re-enabling an account by name."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fintech_ui.models import AuthSession, User
from fintech_ui.security import PolicyError
from fintech_ui.services.operators import UnknownUser, set_account_active
from fintech_ui.services.sessions import create_session

T0 = 1_700_000_000


@pytest.fixture
def alice(db, make_user) -> int:
    return make_user("Alice")


def test_disable_marks_the_account_inactive(db, alice):
    assert set_account_active(db, username="alice", active=False, now=T0) == "Alice"
    assert db.get(User, alice).is_active is False


def test_disable_ends_every_session(db, settings, alice):
    create_session(db, user=db.get(User, alice), settings=settings, now=T0)
    set_account_active(db, username="ALICE", active=False, now=T0 + 1)
    assert {row.revoked_at for row in db.exec(select(AuthSession)).all()} == {T0 + 1}


def test_enable_after_disable_reactivates(db, alice):
    set_account_active(db, username="alice", active=False, now=T0)
    set_account_active(db, username="alice", active=True, now=T0 + 1)
    assert db.get(User, alice).is_active is True


def test_unknown_user_is_refused(db, alice):
    with pytest.raises(UnknownUser, match="no such user: bob"):
        set_account_active(db, username="bob", active=False, now=T0)


def test_impossible_username_is_refused(db):
    with pytest.raises(PolicyError):
        set_account_active(db, username="<b>", active=False, now=T0)
