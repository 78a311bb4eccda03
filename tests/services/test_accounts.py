"""Registration, authentication under the throttle, and client addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from fintech_ui.models import LoginFailure, User
from fintech_ui.security import PolicyError, verify_password
from fintech_ui.services import throttle
from fintech_ui.services.accounts import (
    LoginOutcome,
    UsernameTaken,
    authenticate,
    disable_user,
    register,
)

T0 = 1_700_000_000  # no tokens here, so any fixed clock will do
PASSWORD = "Tr0ub4dor&3-staple"
WRONG = "not-the-password-1"
ADDRESS = "198.51.100.7"


@pytest.fixture
def alice(db, settings) -> User:
    return register(db, username="Alice", password=PASSWORD, settings=settings, now=T0)


def _users(db) -> int:
    return db.exec(select(func.count()).select_from(User)).one()


def _failures(db, scope: str, key: str) -> int:
    query = select(func.count()).where(LoginFailure.scope == scope, LoginFailure.key == key)
    return db.exec(query).one()


def _login(db, settings, *, password=PASSWORD, username="alice", address=ADDRESS, now=T0):
    return authenticate(
        db, username=username, password=password, address=address, settings=settings, now=now
    )


def _fail(db, settings, times: int, *, now=T0, username="alice", address=ADDRESS):
    for _ in range(times):
        _login(db, settings, password=WRONG, username=username, address=address, now=now)


# --- register --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [("username", "Alice"), ("username_key", "alice"), ("is_active", True), ("created_at", T0)],
)
def test_register_stores_user(db, alice, attribute, expected):
    assert getattr(db.get(User, alice.id), attribute) == expected


def test_register_stores_a_hash_of_the_password(db, settings, alice):
    stored = db.get(User, alice.id)
    assert verify_password(PASSWORD, stored.password_hash, pepper=settings.password_pepper)


def test_register_stores_nfkc_form_of_full_width_username(db, settings):
    user = register(db, username="ａｌｉｃｅ", password=PASSWORD, settings=settings, now=T0)
    assert user.username == "alice"


@pytest.mark.parametrize("second", ["Alice", "alice", "ALICE", "ａｌｉｃｅ", "Ａｌｉｃｅ"])
def test_register_refuses_username_taken_ignoring_case_and_width(db, settings, alice, second):
    with pytest.raises(UsernameTaken):
        register(db, username=second, password=PASSWORD, settings=settings, now=T0)


def test_register_refused_duplicate_writes_nothing(db, settings, alice):
    with pytest.raises(UsernameTaken):
        register(db, username="ALICE", password=PASSWORD, settings=settings, now=T0)
    assert _users(db) == 1


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("ab", PASSWORD),
        ("<b>x</b>", PASSWORD),
        ("ali\u200bce", PASSWORD),
        (None, PASSWORD),
        ("alice", "short"),
        ("alice", "qwerty123456"),
        ("alice", "my-ALICE-password-9"),
        ("alice", None),
    ],
    ids=[
        "short-name",
        "html-name",
        "invisible-char-name",
        "non-text-name",
        "short-password",
        "common-password",
        "password-contains-name",
        "non-text-password",
    ],
)
def test_register_policy_error_writes_nothing(db, settings, username, password):
    with pytest.raises(PolicyError):
        register(db, username=username, password=password, settings=settings, now=T0)
    assert _users(db) == 0


# --- authenticate ----------------------------------------------------------------------


def test_authenticate_right_password_returns_user(db, settings, alice):
    assert _login(db, settings).user.id == alice.id


@pytest.mark.parametrize("spelling", ["ALICE", "ａｌｉｃｅ"])
def test_authenticate_finds_user_ignoring_case_and_width(db, settings, alice, spelling):
    assert _login(db, settings, username=spelling).user.id == alice.id


@pytest.mark.parametrize(
    ("username", "password", "disable"),
    [
        ("alice", WRONG, False),
        ("nobody", PASSWORD, False),
        ("alice", PASSWORD, True),
        ("alice", "", False),
        ("alice", None, False),
        (None, PASSWORD, False),
        ("<b>x</b>", PASSWORD, False),
    ],
    ids=[
        "wrong-password",
        "unknown-user",
        "disabled-account",
        "empty-password",
        "non-text-password",
        "non-text-username",
        "invalid-username",
    ],
)
def test_authenticate_failure_is_indistinguishable(
    db, settings, alice, username, password, disable
):
    if disable:
        disable_user(db, user_id=alice.id, now=T0)
    outcome = _login(db, settings, username=username, password=password)
    assert outcome == LoginOutcome(user=None, retry_after=0)


def test_authenticate_failure_is_recorded_against_account(db, settings, alice):
    _fail(db, settings, 1)
    assert _failures(db, throttle.ACCOUNT.scope, "alice") == 1


def test_authenticate_failure_is_recorded_against_address(db, settings, alice):
    _fail(db, settings, 1)
    assert _failures(db, throttle.ADDRESS.scope, ADDRESS) == 1


def test_authenticate_unknown_user_failure_is_recorded(db, settings):
    _fail(db, settings, 1, username="nobody")
    assert _failures(db, throttle.ACCOUNT.scope, "nobody") == 1


def test_authenticate_allows_right_password_after_free_failures_minus_one(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures - 1)
    assert _login(db, settings).user.id == alice.id


def test_authenticate_throttles_after_free_failures(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    assert _login(db, settings, password=WRONG).retry_after > 0


def test_authenticate_throttle_blocks_even_the_right_password(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    assert _login(db, settings).user is None


def test_authenticate_throttle_applies_from_another_address(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    assert _login(db, settings, address="203.0.113.99").retry_after > 0


def test_authenticate_allows_right_password_once_delay_has_passed(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    wait = _login(db, settings).retry_after
    assert _login(db, settings, now=T0 + wait).user.id == alice.id


def test_authenticate_throttled_attempt_is_not_recorded_as_failure(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    _login(db, settings, password=WRONG)
    assert _failures(db, throttle.ACCOUNT.scope, "alice") == throttle.ACCOUNT.free_failures


def test_authenticate_delay_grows_with_further_failures(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures)
    first = _login(db, settings).retry_after
    _fail(db, settings, 1, now=T0 + first)
    assert _login(db, settings, now=T0 + first).retry_after > first


def test_authenticate_success_forgives_account_failures(db, settings, alice):
    _fail(db, settings, throttle.ACCOUNT.free_failures - 1)
    _login(db, settings)
    assert _failures(db, throttle.ACCOUNT.scope, "alice") == 0


def test_authenticate_success_keeps_address_failures(db, settings, alice):
    _fail(db, settings, 2)
    _login(db, settings)
    assert _failures(db, throttle.ADDRESS.scope, ADDRESS) == 2


def test_authenticate_throttles_address_after_its_free_failures(db, settings, alice):
    for i in range(throttle.ADDRESS.free_failures):
        _fail(db, settings, 1, username=f"user{i:03d}")
    assert _login(db, settings).retry_after > 0


def _max_failures_in_any_hour(db, settings, *, scope: str, key: str, attack) -> int:
    """Run `attack(i, now)` whenever the throttle allows, for three hours; the peak count."""
    now, peak = T0, 0
    for i in range(10_000):
        if now > T0 + 3 * throttle.WINDOW_SECONDS:
            break
        outcome = attack(i, now)
        since = now - throttle.WINDOW_SECONDS
        in_window = db.exec(
            select(func.count()).where(
                LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.at > since
            )
        ).one()
        peak = max(peak, in_window)
        now += outcome.retry_after
    return peak


def test_failures_per_account_never_exceed_hourly_cap(db, settings, alice):
    def attack(i, now):  # one account, a fresh address every time
        return _login(db, settings, password=WRONG, address=f"10.{i // 256}.{i % 256}.1", now=now)

    peak = _max_failures_in_any_hour(
        db, settings, scope=throttle.ACCOUNT.scope, key="alice", attack=attack
    )
    assert peak <= throttle.MAX_FAILURES_PER_WINDOW


def test_failures_per_address_never_exceed_hourly_cap(db, settings, alice):
    def attack(i, now):  # one address, a different account every time
        return _login(db, settings, username=f"user{i:05d}", password=WRONG, now=now)

    peak = _max_failures_in_any_hour(
        db, settings, scope=throttle.ADDRESS.scope, key=ADDRESS, attack=attack
    )
    assert peak <= throttle.MAX_FAILURES_PER_WINDOW


def _burst(db, *, account: str, address: str, count: int, now: int) -> None:
    """Failures recorded together, as by concurrent requests that all passed the check."""
    for _ in range(count):
        throttle.record_failure(db, account=account, address=address, now=now)


def test_account_at_hourly_cap_stays_blocked_past_the_longest_delay(db, settings, alice):
    cap = throttle.MAX_FAILURES_PER_WINDOW
    _burst(db, account="alice", address="192.0.2.1", count=cap, now=T0)
    later = T0 + throttle.MAX_DELAY_SECONDS + 100
    assert _login(db, settings, now=later).retry_after == T0 + throttle.WINDOW_SECONDS - later


def test_account_at_hourly_cap_is_allowed_once_the_hour_has_passed(db, settings, alice):
    cap = throttle.MAX_FAILURES_PER_WINDOW
    _burst(db, account="alice", address="192.0.2.1", count=cap, now=T0)
    assert _login(db, settings, now=T0 + throttle.WINDOW_SECONDS).user.id == alice.id


def test_address_at_hourly_cap_stays_blocked_past_the_longest_delay(db, settings, alice):
    cap = throttle.MAX_FAILURES_PER_WINDOW
    _burst(db, account="someone-else", address=ADDRESS, count=cap, now=T0)
    later = T0 + throttle.MAX_DELAY_SECONDS + 100
    assert _login(db, settings, now=later).retry_after == T0 + throttle.WINDOW_SECONDS - later


def test_failures_older_than_the_window_are_deleted(db, settings, alice):
    _fail(db, settings, 3)
    _fail(db, settings, 1, username="nobody", address="192.0.2.9", now=T0 + throttle.WINDOW_SECONDS)
    assert _failures(db, throttle.ACCOUNT.scope, "alice") == 0


def test_disable_user_marks_account_inactive(db, alice):
    disable_user(db, user_id=alice.id, now=T0)
    assert db.get(User, alice.id).is_active is False


# --- client_address --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "hops", "expected"),
    [
        ("10.0.0.5", "", 0, "10.0.0.5"),
        ("10.0.0.5", "6.6.6.6", 0, "10.0.0.5"),
        ("", "", 0, "unknown"),
        ("10.0.0.1", "203.0.113.7", 1, "203.0.113.7"),
        ("10.0.0.1", "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("10.0.0.1", "6.6.6.6,203.0.113.7 , 10.0.0.2", 2, "203.0.113.7"),
        ("10.0.0.1", "", 1, "10.0.0.1"),
        ("10.0.0.1", "203.0.113.7", 2, "10.0.0.1"),
        ("", " , ", 1, "unknown"),
    ],
    ids=[
        "no-proxy",
        "no-proxy-ignores-spoofed-header",
        "no-peer",
        "one-proxy",
        "one-proxy-ignores-client-supplied-entry",
        "two-proxies",
        "trusted-proxy-but-no-header",
        "fewer-entries-than-hops",
        "blank-entries",
    ],
)
def test_client_address(peer, forwarded_for, hops, expected):
    assert throttle.client_address(peer, forwarded_for, hops) == expected
