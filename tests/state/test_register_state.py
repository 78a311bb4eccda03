"""AuthState.register, called directly with what a browser (or an attacker) could send.

A refusal explains the rule; a real registration opens exactly one user, one session and
one login code. (Malformed form payloads: test_auth_forms_state.py, for both forms.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from auth_helpers import (
    COOKIE_ENDPOINT_WITH_CODE,
    STRONG_PASSWORD,
    _registration,
    count,
    login_code_in,
    login_codes_of,
    redeem,
    resolve,
    table_counts,
    unique_name,
    user_id_of,
)
from sqlmodel import select
from state_helpers import navigation_target

from fintech_ui.db import session_scope
from fintech_ui.models import AuthSession, User
from fintech_ui.security import username_key
from fintech_ui.services.accounts import USERNAME_TAKEN
from fintech_ui.state.auth import AuthState

# ------------------------------------------------------------- register: refusals

REFUSED_REGISTRATIONS: dict[str, tuple[dict, str]] = {
    "mismatched confirmation": (
        {"username": "mismatch123", "password": STRONG_PASSWORD, "confirm_password": "Other-9x"},
        "Passwords do not match.",
    ),
    "markup username": (
        _registration(username="<b>x</b>"),
        "Username may contain only letters, digits, '.', '_' and '-'.",
    ),
    "username too short": (
        _registration(username="ab"),
        "Username must be 3–32 characters long.",
    ),
    "username too long": (
        _registration(username="a" * 33),
        "Username must be 3–32 characters long.",
    ),
    "username with zero-width joiner": (
        _registration(username="ad\u200dmin123"),
        "Username must not contain control or invisible characters.",
    ),
    "username with NUL": (
        _registration(username="nul\x00name"),
        "Username must not contain control or invisible characters.",
    ),
    "common password": (
        _registration(username="commonpw123", password="Qwerty123456"),
        "This password is too common. Choose another.",
    ),
    "password contains username": (
        _registration(username="harbourmaster", password="my-HarbourMaster-2024!"),
        "Password must not contain the username.",
    ),
    "password too short": (
        _registration(username="shortpw123", password="Sh0rt-pw"),
        "Password must be 12–128 characters long.",
    ),
    "password longer than policy but within form limit": (
        _registration(username="longpw123", password="Lp-" + "x9" * 500),
        "Password must be 12–128 characters long.",
    ),
    "password with control character": (
        _registration(username="ctrlpw123", password="Control\x00Char-2024"),
        "Password must not contain control characters.",
    ),
}


@pytest.mark.parametrize(
    ("form_data", "message"), REFUSED_REGISTRATIONS.values(), ids=REFUSED_REGISTRATIONS.keys()
)
def test_register_refusal_explains_the_rule(make_state, handle, form_data, message):
    state = make_state(AuthState, url="/register")
    handle(state, AuthState.register, form_data=form_data)
    assert state.register_error == message


@pytest.mark.parametrize(
    ("form_data", "message"), REFUSED_REGISTRATIONS.values(), ids=REFUSED_REGISTRATIONS.keys()
)
def test_register_refusal_writes_no_user_session_or_code(make_state, handle, form_data, message):
    state = make_state(AuthState, url="/register")
    before = table_counts()
    handle(state, AuthState.register, form_data=form_data)
    assert table_counts() == before


def test_register_with_taken_username_in_other_case_says_taken(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/register")
    handle(state, AuthState.register, form_data=_registration(username=account.username.upper()))
    assert state.register_error == USERNAME_TAKEN


def test_register_with_taken_username_writes_no_user_session_or_code(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/register")
    before = table_counts()
    handle(state, AuthState.register, form_data=_registration(username=account.username))
    assert table_counts() == before


# -------------------------------------------------------------- register: success


@pytest.fixture
def registered(make_state, handle) -> Callable[..., tuple[str, object, AuthState]]:
    """`registered(url="/register")`: register a fresh username; (name, result, state)."""

    def run(url: str = "/register") -> tuple[str, object, AuthState]:
        name = unique_name()
        state = make_state(AuthState, url=url)
        result = handle(state, AuthState.register, form_data=_registration(username=name))
        return name, result, state

    return run


def test_register_navigates_to_backend_cookie_endpoint(registered):
    _name, result, _state = registered()
    target = navigation_target(result)
    assert COOKIE_ENDPOINT_WITH_CODE.fullmatch(target), target


def test_register_sets_no_error(registered):
    _name, _result, state = registered()
    assert state.register_error == ""


def test_register_creates_exactly_one_user(registered):
    name, _result, _state = registered()
    assert count(User, User.username_key == username_key(name)) == 1


def test_register_creates_exactly_one_session_for_the_new_user(registered):
    name, _result, _state = registered()
    user_id = user_id_of(name)
    assert count(AuthSession, AuthSession.user_id == user_id) == 1


def test_register_issues_exactly_one_login_code_for_the_new_user(registered):
    name, _result, _state = registered()
    user_id = user_id_of(name)
    assert user_id is not None and login_codes_of(user_id) == 1


def test_register_code_redeems_for_a_live_session_of_the_new_user(registered):
    name, result, _state = registered()
    redeemed = redeem(login_code_in(result))
    assert redeemed is not None
    user = resolve(redeemed[0])
    assert user is not None and user.username == name


def test_register_code_works_only_once(registered):
    _name, result, _state = registered()
    code = login_code_in(result)
    redeem(code)
    assert redeem(code) is None


def test_register_code_carries_the_safe_next_path(registered):
    _name, result, _state = registered("/register?next=%2Faccount")
    redeemed = redeem(login_code_in(result))
    assert redeemed is not None and redeemed[1] == "/account"


def test_register_code_replaces_offsite_next_path_with_home(registered):
    _name, result, _state = registered("/register?next=%2F%2Fevil.example%2F")
    redeemed = redeem(login_code_in(result))
    assert redeemed is not None and redeemed[1] == "/"


def test_register_stores_no_plaintext_password(registered):
    name, _result, _state = registered()
    with session_scope() as db:
        user = db.exec(select(User).where(User.username_key == username_key(name))).one()
    assert STRONG_PASSWORD not in user.password_hash


def test_register_success_clears_the_previous_error(make_state, handle):
    state = make_state(AuthState, url="/register")
    state.register_error = "Passwords do not match."
    handle(state, AuthState.register, form_data=_registration(username=unique_name()))
    assert state.register_error == ""
