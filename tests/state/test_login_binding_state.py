"""Login CSRF (issue 10, defect 2): the login code a form makes redeems only in the browser
whose login-nonce cookie came with the form's websocket; a form without a nonce makes no code,
and the login pages fetch a nonce for a browser that has none. And the device cookie (defect 3):
a browser that logged in to the account before is not held up by strangers' failures."""

from __future__ import annotations

import pytest
from auth_helpers import STRONG_PASSWORD, api, login_code_in, redeem, resolve, unique_name
from state_helpers import TEST_NONCE, navigation_target, now

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import DEVICE_COOKIE, issue_device_token
from fintech_ui.settings import get_settings
from fintech_ui.state.auth import NO_NONCE, AuthState

OTHER_BROWSER = "another-browser-nonce-0123456789"


def _log_in(make_state, handle, account, **state_args):
    state = make_state(AuthState, url="/login", **state_args)
    form = {"username": account.username, "password": account.password}
    return state, handle(state, AuthState.log_in, form_data=form)


def test_code_redeems_in_the_browser_that_typed_the_password(make_state, handle, new_account):
    account = new_account()
    _state, result = _log_in(make_state, handle, account)
    redeemed = redeem(login_code_in(result), TEST_NONCE)
    assert redeemed is not None and resolve(redeemed[0]).id == account.id


def test_code_does_not_redeem_in_another_browser(make_state, handle, new_account):
    # The attacker's own login, sent to a victim: the victim's browser has another nonce.
    account = new_account()
    _state, result = _log_in(make_state, handle, account)
    assert redeem(login_code_in(result), OTHER_BROWSER) is None


def test_log_in_without_a_nonce_makes_no_code(make_state, handle, new_account):
    account = new_account()
    state, result = _log_in(make_state, handle, account, login_nonce=None)
    assert result is None
    assert state.login_error == NO_NONCE


@pytest.mark.parametrize("nonce", ["short", "x" * 101, "bad nonce with spaces!!"])
def test_log_in_with_an_implausible_nonce_makes_no_code(make_state, handle, new_account, nonce):
    account = new_account()
    state, result = _log_in(make_state, handle, account, login_nonce=nonce)
    assert result is None and state.login_error == NO_NONCE


def test_registration_code_is_bound_to_the_browser_too(make_state, handle):
    state = make_state(AuthState, url="/register")
    form = {
        "username": unique_name(),
        "password": STRONG_PASSWORD,
        "confirm_password": STRONG_PASSWORD,
    }
    code = login_code_in(handle(state, AuthState.register, form_data=form))
    assert redeem(code, OTHER_BROWSER) is None
    assert redeem(code, TEST_NONCE) is not None


def test_registration_without_a_nonce_creates_nothing(make_state, handle):
    state = make_state(AuthState, url="/register", login_nonce=None)
    form = {
        "username": unique_name(),
        "password": STRONG_PASSWORD,
        "confirm_password": STRONG_PASSWORD,
    }
    assert handle(state, AuthState.register, form_data=form) is None
    assert state.register_error == NO_NONCE


def test_login_page_without_a_nonce_fetches_one_and_comes_back(make_state, handle):
    state = make_state(AuthState, url="/login?next=%2Fcart", login_nonce=None)
    target = navigation_target(handle(state, AuthState.clear_messages))
    assert target == api("/auth/nonce?next=%2Flogin%3Fnext%3D%252Fcart")


def test_login_page_with_a_nonce_stays(make_state, handle):
    state = make_state(AuthState, url="/login")
    assert handle(state, AuthState.clear_messages) is None


def test_login_page_says_so_when_the_cookie_did_not_stick(make_state, handle):
    state = make_state(AuthState, url="/login?cookies=1", login_nonce=None)
    assert handle(state, AuthState.clear_messages) is None
    assert state.login_error == NO_NONCE


# --- the device cookie (defect 3): strangers' failures do not lock the owner out ------------


def _locked_out_by_strangers(make_state, handle, account) -> None:
    # Wrong passwords from several addresses until the account itself is delayed.
    for _ in range(8):
        state = make_state(AuthState, url="/login")  # a new address each time
        form = {"username": account.username, "password": "Wrong-Password-123"}
        handle(state, AuthState.log_in, form_data=form)


def _device_cookie(account) -> str:
    with session_scope() as db:
        user = db.get(User, account.id)
        token = issue_device_token(account.id, get_settings(), now=now(), stamp=user.password_hash)
    return f"{DEVICE_COOKIE}={token}"


def test_owner_with_the_device_cookie_logs_in_during_a_lockout(make_state, handle, new_account):
    account = new_account()
    _locked_out_by_strangers(make_state, handle, account)
    state = make_state(AuthState, url="/login", cookie=_device_cookie(account))
    form = {"username": account.username, "password": account.password}
    assert login_code_in(handle(state, AuthState.log_in, form_data=form))


def test_a_new_browser_waits_out_the_lockout(make_state, handle, new_account):
    account = new_account()
    _locked_out_by_strangers(make_state, handle, account)
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password}
    assert handle(state, AuthState.log_in, form_data=form) is None
    assert state.login_error.startswith("Too many failed attempts")


def test_another_users_device_cookie_does_not_help(make_state, handle, new_account):
    account, other = new_account(), new_account()
    _locked_out_by_strangers(make_state, handle, account)
    state = make_state(AuthState, url="/login", cookie=_device_cookie(other))
    form = {"username": account.username, "password": account.password}
    assert handle(state, AuthState.log_in, form_data=form) is None
