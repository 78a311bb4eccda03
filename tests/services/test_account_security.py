"""Account security rules of issue 10 at the service level: normalised passwords (9),
look-alike usernames (14), registration throttle (7) and the owner's device token (3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

import bcrypt
import pytest
from sqlmodel import select

from fintech_ui.errors import DomainError
from fintech_ui.models import User
from fintech_ui.security import PolicyError, issue_device_token, match_password
from fintech_ui.services import throttle
from fintech_ui.services.accounts import (
    RegistrationThrottled,
    UsernameTaken,
    authenticate,
    register,
)

T0 = 1_700_000_000
PASSWORD = "Tr0ub4dor&3-staple"
WRONG = "not-the-password-1"
ADDRESS = "198.51.100.7"
COMPOSED = "Crème brûlée à la carte"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


def _register(db, settings, name="alice", password=PASSWORD, address=None, now=T0):
    return register(
        db, username=name, password=password, settings=settings, now=now, address=address
    )


def _login(
    db, settings, *, password=PASSWORD, username="alice", address=ADDRESS, now=T0, device=None
):
    return authenticate(
        db,
        username=username,
        password=password,
        address=address,
        settings=settings,
        now=now,
        device_token=device,
    )


# --- passwords in NFC (defect 9) --------------------------------------------------------


def test_password_registered_composed_logs_in_typed_decomposed(db, settings):
    _register(db, settings, password=COMPOSED)
    assert _login(db, settings, password=DECOMPOSED).user is not None


def test_password_registered_decomposed_logs_in_typed_composed(db, settings):
    _register(db, settings, password=DECOMPOSED)
    assert _login(db, settings, password=COMPOSED).user is not None


def _legacy_hash(password: str, settings) -> str:
    prehashed = base64.b64encode(
        hmac.new(settings.password_pepper, password.encode(), hashlib.sha256).digest()
    )
    return bcrypt.hashpw(prehashed, bcrypt.gensalt(4)).decode("ascii")


def test_hash_made_before_normalisation_works_once_and_is_rehashed(db, settings):
    user = _register(db, settings)
    user.password_hash = _legacy_hash(DECOMPOSED, settings)  # as stored by the old code
    db.add(user)
    db.commit()

    assert _login(db, settings, password=COMPOSED).user is not None

    stored = db.get(User, user.id).password_hash
    assert match_password(COMPOSED, stored, pepper=settings.password_pepper).needs_rehash is False
    assert _login(db, settings, password=DECOMPOSED).user is not None


# --- look-alike usernames (defect 14) ---------------------------------------------------


def test_cyrillic_a_in_admin_is_refused_as_mixed_script(db, settings):
    _register(db, settings, name="admin")
    with pytest.raises(PolicyError, match="must not mix letters of different alphabets"):
        _register(db, settings, name="\u0430dmin")  # Cyrillic а


def test_mixed_script_name_is_refused_even_without_a_twin(db, settings):
    with pytest.raises(PolicyError, match="different alphabets"):
        _register(db, settings, name="p\u0430ypal")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("apope", "\u0430\u0440\u043e\u0440\u0435"),  # all-Cyrillic "арорe" looks like apope
        ("admln", "adm1n"),
        ("paypal", "paypaI"),  # capital I beside lower-case l
    ],
    ids=["whole-script-cyrillic", "l-and-1", "capital-i"],
)
def test_name_that_looks_like_an_existing_one_is_refused(db, settings, first, second):
    _register(db, settings, name=first)
    with pytest.raises(UsernameTaken, match="looks like an existing username"):
        _register(db, settings, name=second)


@pytest.mark.parametrize("name", ["Zoë", "Dvořák", "山田たろう", "Юлия", "Αλέξης", "user_01"])
def test_single_script_and_japanese_names_are_accepted(db, settings, name):
    assert _register(db, settings, name=name).username_skeleton


def test_existing_mixed_script_user_still_logs_in(db, settings):
    user = _register(db, settings, name="alice")
    user.username = user.username_key = "\u0430lice"  # registered before the rule existed
    db.add(user)
    db.commit()
    assert _login(db, settings, username="\u0430lice").user is not None


def test_username_errors_are_domain_errors():
    assert issubclass(UsernameTaken, DomainError) and issubclass(PolicyError, DomainError)


# --- registration throttle (defect 7) ---------------------------------------------------


def _names(count: int) -> list[str]:
    # Distinct look: digits alone would collide as look-alikes (0/o, 1/l).
    return ["user" + "".join("abcdefghjk"[int(d)] for d in f"{i:03d}") for i in range(count)]


def test_registrations_from_one_address_are_throttled_after_the_free_ones(db, settings):
    free = throttle.REGISTER.free_failures
    for name in _names(free):
        _register(db, settings, name=name, address=ADDRESS)
    with pytest.raises(RegistrationThrottled, match="Try again in") as refused:
        _register(db, settings, name="onemore", address=ADDRESS)
    assert refused.value.retry_after > 0
    assert db.exec(select(User).where(User.username == "onemore")).first() is None


def test_registration_throttle_is_per_address(db, settings):
    for name in _names(throttle.REGISTER.free_failures):
        _register(db, settings, name=name, address=ADDRESS)
    assert _register(db, settings, name="elsewhere", address="203.0.113.5").id


def test_registration_throttle_ends_with_its_delay(db, settings):
    for name in _names(throttle.REGISTER.free_failures):
        _register(db, settings, name=name, address=ADDRESS)
    with pytest.raises(RegistrationThrottled) as refused:
        _register(db, settings, name="patient", address=ADDRESS)
    later = T0 + refused.value.retry_after
    assert _register(db, settings, name="patient", address=ADDRESS, now=later).id


def test_refused_policy_does_not_count_against_the_address(db, settings):
    for _ in range(throttle.REGISTER.free_failures + 3):
        with pytest.raises(PolicyError):
            _register(db, settings, name="x", address=ADDRESS)
    assert _register(db, settings, name="valid", address=ADDRESS).id


# --- the owner's device (defect 3) ------------------------------------------------------


def _lock_out(db, settings) -> int:
    """15 failures from 15 addresses, each waiting out its delay, as in the issue; the time
    after the last one."""
    now = T0
    for i in range(15):
        while wait := _login(
            db, settings, password=WRONG, address=f"10.0.0.{i}", now=now
        ).retry_after:
            now += wait
    return now


def test_strangers_lock_out_an_owner_without_device_token(db, settings):
    _register(db, settings)
    now = _lock_out(db, settings)
    assert _login(db, settings, address="192.0.2.50", now=now + 1).retry_after > 800


def test_owner_with_device_token_logs_in_despite_strangers_failures(db, settings):
    user = _register(db, settings)
    device = _login(db, settings, now=T0 - 100).device_token
    now = _lock_out(db, settings)
    outcome = _login(db, settings, address="192.0.2.50", now=now + 1, device=device)
    assert outcome.user is not None and outcome.user.id == user.id


def test_successful_login_hands_out_a_device_token(db, settings):
    _register(db, settings)
    assert _login(db, settings).device_token


def test_device_token_does_not_skip_the_address_delay(db, settings):
    _register(db, settings)
    device = _login(db, settings, now=T0 - 100).device_token
    for i in range(throttle.ADDRESS.free_failures):
        _login(db, settings, username=f"nobody{i}", password=WRONG, now=T0)
    assert _login(db, settings, now=T0, device=device).retry_after > 0


def test_device_token_of_another_user_does_not_help(db, settings):
    _register(db, settings)
    bob = _register(db, settings, name="bob")
    forged = issue_device_token(bob.id, settings, now=T0, stamp=bob.password_hash)
    now = _lock_out(db, settings)
    assert _login(db, settings, address="192.0.2.50", now=now + 1, device=forged).retry_after > 0


@pytest.mark.parametrize(
    "device", ["", "junk", "1.2.3.4", 42, None, "1." + "9" * 20 + ".x.y"], ids=repr
)
def test_malformed_device_token_does_not_help(db, settings, device):
    _register(db, settings)
    now = _lock_out(db, settings)
    assert _login(db, settings, address="192.0.2.50", now=now + 1, device=device).retry_after > 0


def test_device_token_stops_working_after_the_password_changes(db, settings):
    user = _register(db, settings)
    device = _login(db, settings, now=T0 - 100).device_token
    user.password_hash = _legacy_hash("another-password-9", settings)
    db.add(user)
    db.commit()
    now = _lock_out(db, settings)
    assert _login(db, settings, address="192.0.2.50", now=now + 1, device=device).retry_after > 0
