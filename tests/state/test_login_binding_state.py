"""Login CSRF (issue 10, defect 2): the login code a form makes redeems only in the browser
whose login-nonce cookie came with the form's websocket; a form without a nonce makes no code,
and the login pages fetch a nonce for a browser that has none."""

from __future__ import annotations

import pytest
from auth_helpers import STRONG_PASSWORD, api, login_code_in, redeem, resolve, unique_name
from state_helpers import TEST_NONCE, navigation_target

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
