"""Change password, active sessions and operator password reset, at the service level."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from fintech_ui.models import AuthSession, PasswordReset
from fintech_ui.security import PolicyError, verify_password
from fintech_ui.services import throttle
from fintech_ui.services.accounts import (
    RESET_TOKEN_SECONDS,
    NoSuchUser,
    PasswordChangeThrottled,
    ResetTokenInvalid,
    WrongPassword,
    authenticate,
    change_password,
    create_reset_token,
    register,
    reset_link,
    reset_password,
)
from fintech_ui.services.sessions import (
    check_session,
    create_session,
    end_other_sessions,
    end_session,
    list_sessions,
)

PASSWORD = "Tr0ub4dor&3-staple"
NEW = "Correct-Horse-Battery-42"


@pytest.fixture
def t0() -> int:
    return int(time.time())  # PyJWT checks token times against the wall clock


@pytest.fixture
def alice(db, settings, t0):
    return register(db, username="alice", password=PASSWORD, settings=settings, now=t0)


def _session(db, settings, user, now, **kwargs) -> tuple[str, int]:
    token = create_session(db, user=user, settings=settings, now=now, **kwargs)
    return token, check_session(db, token, settings=settings, now=now).session_id


def _live(db, settings, token, now) -> bool:
    return check_session(db, token, settings=settings, now=now).user is not None


def _change(db, settings, user, now, *, current=PASSWORD, new=NEW, keep=None):
    return change_password(
        db,
        user_id=user.id,
        current_password=current,
        new_password=new,
        keep_session_id=keep,
        settings=settings,
        now=now,
    )


def _stored_hash(db, user) -> str:
    db.refresh(user)
    return user.password_hash


# --- change password --------------------------------------------------------------------


def test_change_password_sets_the_new_one(db, settings, alice, t0):
    _change(db, settings, alice, t0)
    assert verify_password(NEW, _stored_hash(db, alice), pepper=settings.password_pepper)
    assert not verify_password(PASSWORD, _stored_hash(db, alice), pepper=settings.password_pepper)


def test_change_password_ends_every_other_session_at_once_and_keeps_this_one(
    db, settings, alice, t0
):
    this, this_id = _session(db, settings, alice, t0)
    other, _ = _session(db, settings, alice, t0, kind="api")
    result = _change(db, settings, alice, t0 + 5, keep=this_id)
    assert result.sessions_ended == 1
    assert _live(db, settings, this, t0 + 5)
    assert not _live(db, settings, other, t0 + 5)


def test_change_password_refuses_a_wrong_current_password(db, settings, alice, t0):
    with pytest.raises(WrongPassword, match="current password is not right"):
        _change(db, settings, alice, t0, current="not-the-password-1")
    assert verify_password(PASSWORD, _stored_hash(db, alice), pepper=settings.password_pepper)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "characters long"),
        ("password1234", "too common"),
        ("alice-is-great-99", "username"),
    ],
)
def test_change_password_applies_the_registration_policy(db, settings, alice, t0, new, message):
    with pytest.raises(PolicyError, match=message):
        _change(db, settings, alice, t0, new=new)


def test_change_password_refuses_the_same_password(db, settings, alice, t0):
    with pytest.raises(PolicyError, match="differ"):
        _change(db, settings, alice, t0, new=PASSWORD)


def test_wrong_current_passwords_are_throttled(db, settings, alice, t0):
    for _ in range(throttle.ACCOUNT.free_failures):
        with pytest.raises(WrongPassword):
            _change(db, settings, alice, t0, current="not-the-password-1")
    with pytest.raises(PasswordChangeThrottled, match="Try again in"):
        _change(db, settings, alice, t0)


def test_change_password_refuses_a_disabled_or_missing_user(db, settings, t0):
    class Ghost:
        id = 999_999

    with pytest.raises(WrongPassword, match="session has ended"):
        _change(db, settings, Ghost, t0)


# --- active sessions --------------------------------------------------------------------


def test_list_sessions_shows_each_live_session_with_its_details(db, settings, alice, t0):
    _, browser_id = _session(db, settings, alice, t0, address="198.51.100.7")
    _, api_id = _session(db, settings, alice, t0 + 10, kind="api", address="203.0.113.9")
    views = list_sessions(
        db, user_id=alice.id, current_session_id=browser_id, settings=settings, now=t0 + 20
    )
    assert [(v.id, v.kind, v.address, v.this_device) for v in views] == [
        (api_id, "api", "203.0.113.9", False),
        (browser_id, "browser", "198.51.100.7", True),
    ]
    assert views[1].started_at == t0 and views[1].last_seen_at == t0


def test_list_sessions_leaves_out_ended_idle_and_other_users_sessions(db, settings, alice, t0):
    bob = register(db, username="bob", password=PASSWORD, settings=settings, now=t0)
    _, ended = _session(db, settings, alice, t0)
    end_session(db, user_id=alice.id, session_id=ended, now=t0 + 1)
    _session(db, settings, alice, t0 - settings.session_idle_seconds)  # idle too long
    _session(db, settings, bob, t0)
    _, live = _session(db, settings, alice, t0)
    views = list_sessions(
        db, user_id=alice.id, current_session_id=None, settings=settings, now=t0 + 2
    )
    assert [v.id for v in views] == [live]


def test_end_session_ends_one_of_the_users_own_sessions(db, settings, alice, t0):
    token, session_id = _session(db, settings, alice, t0)
    assert end_session(db, user_id=alice.id, session_id=session_id, now=t0 + 1) is True
    assert not _live(db, settings, token, t0 + 1)


@pytest.mark.parametrize("session_id", ["1", 1.0, None, True, -1])
def test_end_session_refuses_ids_of_the_wrong_type_or_unknown(db, settings, alice, t0, session_id):
    token, _ = _session(db, settings, alice, t0)
    assert end_session(db, user_id=alice.id, session_id=session_id, now=t0) is False
    assert _live(db, settings, token, t0)


def test_end_session_cannot_end_another_users_session(db, settings, alice, t0):
    bob = register(db, username="bob", password=PASSWORD, settings=settings, now=t0)
    token, bobs = _session(db, settings, bob, t0)
    assert end_session(db, user_id=alice.id, session_id=bobs, now=t0 + 1) is False
    assert _live(db, settings, token, t0 + 1)


def test_end_other_sessions_keeps_only_this_one(db, settings, alice, t0):
    this, this_id = _session(db, settings, alice, t0)
    others = [_session(db, settings, alice, t0)[0] for _ in range(3)]
    assert end_other_sessions(db, user_id=alice.id, keep_session_id=this_id, now=t0 + 1) == 3
    assert _live(db, settings, this, t0 + 1)
    assert not any(_live(db, settings, other, t0 + 1) for other in others)


def test_session_kind_is_checked(db, settings, alice, t0):
    with pytest.raises(ValueError):
        create_session(db, user=alice, settings=settings, now=t0, kind="robot")


# --- operator password reset -------------------------------------------------------------


def _reset(db, settings, token, now, new=NEW):
    return reset_password(db, token=token, new_password=new, settings=settings, now=now)


def test_reset_token_sets_a_new_password_and_ends_every_session(db, settings, alice, t0):
    sessions = [_session(db, settings, alice, t0)[0] for _ in range(2)]
    token = create_reset_token(db, username="Alice", now=t0)
    result = _reset(db, settings, token, t0 + 60)
    assert (result.username, result.sessions_ended) == ("alice", 2)
    assert not any(_live(db, settings, s, t0 + 60) for s in sessions)
    assert verify_password(NEW, _stored_hash(db, alice), pepper=settings.password_pepper)


def test_reset_token_works_only_once(db, settings, alice, t0):
    token = create_reset_token(db, username="alice", now=t0)
    _reset(db, settings, token, t0 + 1)
    with pytest.raises(ResetTokenInvalid, match="invalid or has expired"):
        _reset(db, settings, token, t0 + 2, new="Another-Fine-Password-7")


def test_reset_token_expires_after_thirty_minutes(db, settings, alice, t0):
    token = create_reset_token(db, username="alice", now=t0)
    with pytest.raises(ResetTokenInvalid):
        _reset(db, settings, token, t0 + RESET_TOKEN_SECONDS)


def test_reset_token_is_stored_hashed(db, settings, alice, t0):
    token = create_reset_token(db, username="alice", now=t0)
    stored = db.exec(select(PasswordReset.token_hash)).all()
    assert token not in stored and len(stored) == 1


def test_a_new_reset_token_replaces_the_earlier_one(db, settings, alice, t0):
    first = create_reset_token(db, username="alice", now=t0)
    second = create_reset_token(db, username="alice", now=t0 + 1)
    with pytest.raises(ResetTokenInvalid):
        _reset(db, settings, first, t0 + 2)
    _reset(db, settings, second, t0 + 2)


def test_reset_refused_by_policy_keeps_the_link_usable(db, settings, alice, t0):
    token = create_reset_token(db, username="alice", now=t0)
    with pytest.raises(PolicyError):
        _reset(db, settings, token, t0 + 1, new="short")
    _reset(db, settings, token, t0 + 2)


@pytest.mark.parametrize("token", [None, 42, "", "x" * 30, "y" * 500], ids=repr)
def test_unknown_or_malformed_reset_token_is_refused(db, settings, alice, t0, token):
    with pytest.raises(ResetTokenInvalid):
        _reset(db, settings, token, t0)


def test_reset_token_for_unknown_user_is_refused(db, t0):
    with pytest.raises(NoSuchUser):
        create_reset_token(db, username="nobody", now=t0)


def test_reset_forgives_the_account_throttle(db, settings, alice, t0):
    for _ in range(throttle.ACCOUNT.free_failures + 5):  # a delay of 32 s
        throttle.record_failure(db, account="alice", address="10.0.0.1", now=t0)
    token = create_reset_token(db, username="alice", now=t0)
    _reset(db, settings, token, t0 + 1)
    outcome = authenticate(
        db, username="alice", password=NEW, address="10.0.0.2", settings=settings, now=t0 + 1
    )
    assert outcome.user is not None


def test_reset_link_points_to_the_reset_page():
    assert reset_link("abc", "https://invest.example.com/") == (
        "https://invest.example.com/reset-password?token=abc"
    )
    assert reset_link("abc") == "/reset-password?token=abc"


def test_sessions_revoked_by_reset_stay_revoked(db, settings, alice, t0):
    _session(db, settings, alice, t0)
    _reset(db, settings, create_reset_token(db, username="alice", now=t0), t0 + 1)
    assert db.exec(select(AuthSession.revoked_at)).all() == [t0 + 1]
