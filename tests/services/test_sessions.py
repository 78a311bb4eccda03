"""Revocable sessions and single-use login codes."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import delete
from sqlmodel import select

from fintech_ui.models import AuthSession
from fintech_ui.security import TokenClaims, decode_token, device_token_valid, issue_token
from fintech_ui.services.accounts import disable_user, register
from fintech_ui.services.sessions import (
    TOUCH_EVERY_SECONDS,
    create_login_code,
    create_session,
    redeem_login_code,
    resolve_session,
    revoke_session,
    revoke_user_sessions,
)

PASSWORD = "Tr0ub4dor&3-staple"


@pytest.fixture
def t0() -> int:
    # PyJWT checks iat and exp against the wall clock as well, so times start from it.
    return int(time.time())


def _user(db, settings, name: str, now: int):
    return register(db, username=name, password=PASSWORD, settings=settings, now=now)


@pytest.fixture
def alice(db, settings, t0):
    return _user(db, settings, "alice", t0)


@pytest.fixture
def bob(db, settings, t0):
    return _user(db, settings, "bob", t0)


@pytest.fixture
def token(db, settings, alice, t0) -> str:
    return create_session(db, user=alice, settings=settings, now=t0)


def _resolve(db, settings, token, now):
    return resolve_session(db, token, settings=settings, now=now)


def _claims(settings, token) -> TokenClaims:
    return decode_token(token, key=settings.secret_key)


# --- sessions --------------------------------------------------------------------------


def test_resolve_session_returns_the_user(db, settings, alice, token, t0):
    assert _resolve(db, settings, token, t0 + 1).id == alice.id


def test_create_session_token_names_the_user(settings, alice, token):
    assert _claims(settings, token).sub == str(alice.id)


def test_each_session_has_its_own_token(db, settings, alice, token, t0):
    assert create_session(db, user=alice, settings=settings, now=t0) != token


def test_revoke_session_ends_it_at_once(db, settings, token, t0):
    revoke_session(db, token, settings=settings, now=t0 + 1)
    assert _resolve(db, settings, token, t0 + 1) is None


def test_revoke_session_reports_a_live_session(db, settings, token, t0):
    assert revoke_session(db, token, settings=settings, now=t0) is True


def test_revoke_session_twice_reports_nothing_to_revoke(db, settings, token, t0):
    revoke_session(db, token, settings=settings, now=t0)
    assert revoke_session(db, token, settings=settings, now=t0) is False


def test_revoke_session_leaves_other_sessions_of_the_user(db, settings, alice, token, t0):
    other = create_session(db, user=alice, settings=settings, now=t0)
    revoke_session(db, token, settings=settings, now=t0)
    assert _resolve(db, settings, other, t0 + 1).id == alice.id


def test_revoke_user_sessions_ends_every_session_of_the_user(db, settings, alice, token, t0):
    other = create_session(db, user=alice, settings=settings, now=t0)
    revoke_user_sessions(db, user_id=alice.id, now=t0 + 1)
    assert [_resolve(db, settings, t, t0 + 1) for t in (token, other)] == [None, None]


def test_revoke_user_sessions_leaves_other_users_alone(db, settings, alice, bob, t0):
    bobs = create_session(db, user=bob, settings=settings, now=t0)
    revoke_user_sessions(db, user_id=alice.id, now=t0 + 1)
    assert _resolve(db, settings, bobs, t0 + 1).id == bob.id


def test_disable_user_ends_every_session_of_the_user(db, settings, alice, token, t0):
    other = create_session(db, user=alice, settings=settings, now=t0)
    disable_user(db, user_id=alice.id, now=t0 + 1)
    assert [_resolve(db, settings, t, t0 + 1) for t in (token, other)] == [None, None]


def test_session_of_disabled_user_stays_ended_when_re_enabled(db, settings, alice, token, t0):
    disable_user(db, user_id=alice.id, now=t0 + 1)
    alice.is_active = True
    db.add(alice)
    db.flush()
    assert _resolve(db, settings, token, t0 + 2) is None


def test_session_ends_when_idle_too_long(db, settings, token, t0):
    assert _resolve(db, settings, token, t0 + settings.session_idle_seconds) is None


def test_session_alive_just_before_idle_limit(db, settings, alice, token, t0):
    assert _resolve(db, settings, token, t0 + settings.session_idle_seconds - 1).id == alice.id


def test_resolve_session_extends_the_idle_window(db, settings, alice, token, t0):
    idle = settings.session_idle_seconds
    _resolve(db, settings, token, t0 + idle - 1)
    assert _resolve(db, settings, token, t0 + idle + idle // 2).id == alice.id


def test_resolve_session_records_last_seen_when_touched(db, settings, token, t0):
    _resolve(db, settings, token, t0 + TOUCH_EVERY_SECONDS)
    row = db.exec(select(AuthSession).execution_options(populate_existing=True)).one()
    assert row.last_seen_at == t0 + TOUCH_EVERY_SECONDS


def test_session_ends_at_absolute_limit_despite_activity(db, settings, token, t0):
    step = settings.session_idle_seconds - 1
    end = t0 + settings.session_absolute_seconds
    for now in range(t0 + step, end, step):
        _resolve(db, settings, token, now)
    assert _resolve(db, settings, token, end) is None


def test_session_alive_just_before_absolute_limit_with_activity(db, settings, alice, token, t0):
    step = settings.session_idle_seconds - 1
    end = t0 + settings.session_absolute_seconds
    for now in range(t0 + step, end - 1, step):
        _resolve(db, settings, token, now)
    assert _resolve(db, settings, token, end - 1).id == alice.id


def test_session_ends_when_its_row_expires_before_the_token(db, settings, token, t0):
    row = db.exec(select(AuthSession)).one()
    row.expires_at = t0 + 10
    db.add(row)
    db.flush()
    assert _resolve(db, settings, token, t0 + 10) is None


def test_token_for_deleted_session_is_refused(db, settings, token, t0):
    db.exec(delete(AuthSession))
    assert _resolve(db, settings, token, t0 + 1) is None


def test_token_for_unknown_jti_is_refused(db, settings, alice, token, t0):
    forged = TokenClaims(sub=str(alice.id), jti="no-such-session", iat=t0, exp=t0 + 3600)
    assert _resolve(db, settings, issue_token(forged, key=settings.secret_key), t0 + 1) is None


def test_token_with_mismatching_sub_is_refused(db, settings, bob, token, t0):
    real = _claims(settings, token)
    forged = TokenClaims(sub=str(bob.id), jti=real.jti, iat=real.iat, exp=real.exp)
    assert _resolve(db, settings, issue_token(forged, key=settings.secret_key), t0 + 1) is None


def test_token_signed_with_another_key_is_refused(db, settings, token, t0):
    resigned = issue_token(_claims(settings, token), key=b"x" * 64)
    assert _resolve(db, settings, resigned, t0 + 1) is None


@pytest.mark.parametrize("garbage", [None, 5, "", "x" * 5000, "a.b.c"])
def test_resolve_session_refuses_garbage(db, settings, token, t0, garbage):
    assert _resolve(db, settings, garbage, t0 + 1) is None


# --- login codes -----------------------------------------------------------------------


NONCE = "this-browser-nonce-0123456789"
OTHER_NONCE = "another-browser-nonce-987654"


def _code(db, settings, token, now, next_path="/account", nonce=NONCE) -> str:
    return create_login_code(
        db, token=token, next_path=next_path, browser_nonce=nonce, settings=settings, now=now
    )


def _redeem(db, settings, code, now, nonce=NONCE):
    redeemed = redeem_login_code(db, code, browser_nonce=nonce, settings=settings, now=now)
    return None if redeemed is None else (redeemed.token, redeemed.next_path)


def test_login_code_is_refused_in_another_browser(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    assert _redeem(db, settings, code, t0 + 1, nonce=OTHER_NONCE) is None


@pytest.mark.parametrize("nonce", [None, "", 5, "short", "x" * 101, "ü" * 30, "a b" * 10])
def test_login_code_is_refused_without_a_plausible_nonce(db, settings, token, t0, nonce):
    code = _code(db, settings, token, t0)
    assert _redeem(db, settings, code, t0 + 1, nonce=nonce) is None


def test_login_code_refused_in_another_browser_still_works_in_its_own(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    _redeem(db, settings, code, t0 + 1, nonce=OTHER_NONCE)
    assert _redeem(db, settings, code, t0 + 2) is not None


def test_create_login_code_needs_the_browsers_nonce(db, settings, token, t0):
    with pytest.raises(ValueError, match="nonce"):
        _code(db, settings, token, t0, nonce="")


def test_redeemed_login_carries_a_device_token_for_the_user(db, settings, alice, token, t0):
    redeemed = redeem_login_code(
        db, _code(db, settings, token, t0), browser_nonce=NONCE, settings=settings, now=t0 + 1
    )
    assert redeemed is not None
    assert device_token_valid(
        redeemed.device_token, alice.id, settings, now=t0 + 1, stamp=alice.password_hash
    )


def test_redeem_login_code_returns_next_path(db, settings, token, t0):
    code = _code(db, settings, token, t0, next_path="/a?b=c")
    assert _redeem(db, settings, code, t0 + 1)[1] == "/a?b=c"


def test_redeem_login_code_returns_token_of_the_session(db, settings, alice, token, t0):
    redeemed_token, _ = _redeem(db, settings, _code(db, settings, token, t0), t0 + 1)
    assert _resolve(db, settings, redeemed_token, t0 + 1).id == alice.id


def test_login_code_works_only_once(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    _redeem(db, settings, code, t0 + 1)
    assert _redeem(db, settings, code, t0 + 2) is None


def test_login_code_works_until_just_before_expiry(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    assert _redeem(db, settings, code, t0 + settings.login_code_seconds - 1) is not None


def test_expired_login_code_is_refused(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    assert _redeem(db, settings, code, t0 + settings.login_code_seconds) is None


@pytest.mark.parametrize(
    "garbage",
    [None, 5, "", "x" * 1000, "x" * 43, b"x" * 43],
    ids=["none", "int", "empty", "huge", "unknown", "bytes"],
)
def test_redeem_login_code_refuses_garbage(db, settings, token, t0, garbage):
    _code(db, settings, token, t0)
    assert _redeem(db, settings, garbage, t0 + 1) is None


def test_login_code_for_revoked_session_is_refused(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    revoke_session(db, token, settings=settings, now=t0 + 1)
    assert _redeem(db, settings, code, t0 + 2) is None


def test_login_code_for_disabled_user_is_refused(db, settings, alice, token, t0):
    code = _code(db, settings, token, t0)
    disable_user(db, user_id=alice.id, now=t0 + 1)
    assert _redeem(db, settings, code, t0 + 2) is None


def test_login_code_is_refused_once_its_session_is_deleted(db, settings, token, t0):
    code = _code(db, settings, token, t0)
    db.exec(delete(AuthSession))
    assert _redeem(db, settings, code, t0 + 1) is None


def test_create_login_code_refuses_invalid_token(db, settings, t0):
    with pytest.raises(ValueError):
        _code(db, settings, "not-a-token", t0)


def test_login_codes_are_unique(db, settings, token, t0):
    assert _code(db, settings, token, t0) != _code(db, settings, token, t0)
