"""AuthState.log_in, called directly with what a browser (or an attacker) could send.

Any public handler can be invoked over the websocket by name with any JSON payload; a real
log-in must open exactly one session and one login code. (Malformed form payloads:
test_auth_forms_state.py, for both forms.)"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from auth_helpers import (
    COOKIE_ENDPOINT_WITH_CODE,
    count,
    failures,
    login_code_in,
    login_codes_of,
    redeem,
    resolve,
    table_counts,
    unique_name,
)
from state_helpers import navigation_target, now

from fintech_ui.db import session_scope
from fintech_ui.models import AuthSession, User
from fintech_ui.security import username_key
from fintech_ui.services.accounts import INVALID_LOGIN, disable_user
from fintech_ui.state.auth import AuthState


def test_log_in_with_right_credentials_and_extra_is_admin_key_opens_no_session(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password, "is_admin": True}
    handle(state, AuthState.log_in, form_data=form)
    assert count(AuthSession, AuthSession.user_id == account.id) == 0


def test_log_in_with_markup_username_says_invalid_login(make_state, handle):
    state = make_state(AuthState, url="/login")
    handle(state, AuthState.log_in, form_data={"username": "<b>x</b>", "password": "whatever"})
    assert state.login_error == INVALID_LOGIN


def test_log_in_with_markup_username_writes_no_user_session_or_code(make_state, handle):
    state = make_state(AuthState, url="/login")
    before = table_counts()
    handle(state, AuthState.log_in, form_data={"username": "<b>x</b>", "password": "whatever"})
    assert table_counts() == before


def test_log_in_with_nul_character_in_username_says_invalid_login(make_state, handle):
    state = make_state(AuthState, url="/login")
    handle(state, AuthState.log_in, form_data={"username": "ad\x00min", "password": "x" * 14})
    assert state.login_error == INVALID_LOGIN


def test_log_in_with_longest_allowed_field_values_says_invalid_login(make_state, handle):
    state = make_state(AuthState, url="/login")
    form = {"username": "b" * 1024, "password": "p" * 1024}
    handle(state, AuthState.log_in, form_data=form)
    assert state.login_error == INVALID_LOGIN


# ----------------------------------------------------------------- log_in: failures


def test_log_in_with_wrong_password_says_invalid_login(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password + "x"}
    handle(state, AuthState.log_in, form_data=form)
    assert state.login_error == INVALID_LOGIN


def test_log_in_with_wrong_password_opens_no_session(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password + "x"}
    handle(state, AuthState.log_in, form_data=form)
    assert count(AuthSession, AuthSession.user_id == account.id) == 0


def test_log_in_with_wrong_password_records_one_failure_for_the_account(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password + "x"}
    handle(state, AuthState.log_in, form_data=form)
    assert failures("user", username_key(account.username)) == 1


def test_log_in_with_wrong_password_records_one_failure_for_the_address(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password + "x"}
    handle(state, AuthState.log_in, form_data=form)
    assert failures("addr", state.router.session.client_ip) == 1


def test_log_in_with_unknown_username_says_invalid_login(make_state, handle):
    state = make_state(AuthState, url="/login")
    handle(state, AuthState.log_in, form_data={"username": unique_name(), "password": "x" * 14})
    assert state.login_error == INVALID_LOGIN


def test_log_in_as_disabled_user_with_right_password_says_invalid_login(
    make_state, handle, new_account
):
    account = new_account()
    with session_scope() as db:
        disable_user(db, user_id=account.id, now=now())
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password}
    handle(state, AuthState.log_in, form_data=form)
    assert state.login_error == INVALID_LOGIN


def test_log_in_as_disabled_user_with_right_password_opens_no_session(
    make_state, handle, new_account
):
    account = new_account()
    with session_scope() as db:
        disable_user(db, user_id=account.id, now=now())
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password}
    handle(state, AuthState.log_in, form_data=form)
    assert count(AuthSession, AuthSession.user_id == account.id) == 0


def _fail_until_throttled(make_state, handle, account, attempts: int = 10) -> list[str]:
    """Wrong passwords from one address until the throttle answers; the messages seen."""
    ip = make_state(AuthState).router.session.client_ip  # a fresh address, kept for all tries
    messages = []
    for _ in range(attempts):
        state = make_state(AuthState, url="/login", client_ip=ip)
        form = {"username": account.username, "password": account.password + "x"}
        handle(state, AuthState.log_in, form_data=form)
        messages.append(state.login_error)
        if state.login_error != INVALID_LOGIN:
            break
    return messages


THROTTLED = re.compile(r"Too many failed attempts\. Try again in [1-9][0-9]* seconds?\.")


def test_log_in_after_repeated_failures_says_try_again_in_seconds(make_state, handle, new_account):
    messages = _fail_until_throttled(make_state, handle, new_account())
    assert THROTTLED.fullmatch(messages[-1]), messages


def test_log_in_allows_five_wrong_passwords_before_throttling(make_state, handle, new_account):
    messages = _fail_until_throttled(make_state, handle, new_account())
    assert messages[:5] == [INVALID_LOGIN] * 5


def test_log_in_while_throttled_refuses_even_the_right_password(make_state, handle, new_account):
    account = new_account()
    _fail_until_throttled(make_state, handle, account)
    state = make_state(AuthState, url="/login")  # another address: the account is throttled
    form = {"username": account.username, "password": account.password}
    handle(state, AuthState.log_in, form_data=form)
    assert count(AuthSession, AuthSession.user_id == account.id) == 0


# ------------------------------------------------------------------ log_in: success


def test_log_in_with_right_credentials_navigates_to_backend_cookie_endpoint(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password}
    target = navigation_target(handle(state, AuthState.log_in, form_data=form))
    assert COOKIE_ENDPOINT_WITH_CODE.fullmatch(target), target


def test_log_in_with_right_credentials_opens_exactly_one_session(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    handle(
        state,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert count(AuthSession, AuthSession.user_id == account.id) == 1


def test_log_in_with_right_credentials_issues_exactly_one_login_code(
    make_state, handle, new_account
):
    account = new_account()
    state = make_state(AuthState, url="/login")
    handle(
        state,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert login_codes_of(account.id) == 1


def test_log_in_with_right_credentials_creates_no_user(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    before = count(User)
    handle(
        state,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert count(User) == before


def test_log_in_code_redeems_for_a_live_session_of_that_user(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username, "password": account.password}
    redeemed = redeem(login_code_in(handle(state, AuthState.log_in, form_data=form)))
    assert redeemed is not None
    user = resolve(redeemed[0])
    assert user is not None and user.id == account.id


def test_log_in_code_carries_the_safe_next_path(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login?next=%2Faccount%3Ftab%3D1")
    form = {"username": account.username, "password": account.password}
    redeemed = redeem(login_code_in(handle(state, AuthState.log_in, form_data=form)))
    assert redeemed is not None and redeemed[1] == "/account?tab=1"


@pytest.mark.parametrize(
    "next_param",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_log_in_code_replaces_offsite_next_path_with_home(
    make_state, handle, new_account, next_param
):
    account = new_account()
    state = make_state(AuthState, url="/login?next=" + quote(next_param, safe=""))
    form = {"username": account.username, "password": account.password}
    redeemed = redeem(login_code_in(handle(state, AuthState.log_in, form_data=form)))
    assert redeemed is not None and redeemed[1] == "/"


def test_log_in_ignores_the_case_of_the_username(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    form = {"username": account.username.upper(), "password": account.password}
    handle(state, AuthState.log_in, form_data=form)
    assert count(AuthSession, AuthSession.user_id == account.id) == 1


def test_log_in_success_clears_the_previous_error(make_state, handle, new_account):
    account = new_account()
    state = make_state(AuthState, url="/login")
    state.login_error = INVALID_LOGIN
    handle(
        state,
        AuthState.log_in,
        form_data={"username": account.username, "password": account.password},
    )
    assert state.login_error == ""


def test_log_in_success_forgives_the_accounts_earlier_failures(make_state, handle, new_account):
    account = new_account()
    wrong = {"username": account.username, "password": account.password + "x"}
    handle(make_state(AuthState, url="/login"), AuthState.log_in, form_data=wrong)
    right = {"username": account.username, "password": account.password}
    handle(make_state(AuthState, url="/login"), AuthState.log_in, form_data=right)
    assert failures("user", username_key(account.username)) == 0
