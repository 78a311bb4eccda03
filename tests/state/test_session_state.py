"""AuthState.require_login and sync_session: only a live session cookie shows a user.

Revoked, expired, idle, forged and garbage cookies must all count as nobody, and odd
neighbouring cookies must not hide a live one."""

from __future__ import annotations

import pytest
from auth_helpers import HOSTILE_COOKIES, NEIGHBOUR_COOKIES
from state_helpers import redirect_target, revoke

from fintech_ui.services.accounts import INVALID_LOGIN, USERNAME_TAKEN
from fintech_ui.state.auth import AuthState

# ------------------------------------------------------------ sessions and cookies


def test_require_login_without_cookie_redirects_to_login_with_next(make_state, handle):
    state = make_state(AuthState, url="/account")
    path, _replace = redirect_target(handle(state, AuthState.require_login))
    assert path == "/login?next=%2Faccount"


def test_require_login_keeps_the_query_in_next(make_state, handle):
    state = make_state(AuthState, url="/account?tab=history&page=2")
    path, _replace = redirect_target(handle(state, AuthState.require_login))
    assert path == "/login?next=%2Faccount%3Ftab%3Dhistory%26page%3D2"


def test_require_login_redirect_replaces_the_history_entry(make_state, handle):
    state = make_state(AuthState, url="/account")
    _path, replace = redirect_target(handle(state, AuthState.require_login))
    assert replace is True


def test_require_login_with_live_session_does_not_redirect(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)), url="/account")
    assert handle(state, AuthState.require_login) is None


def test_require_login_with_live_session_sets_username(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)), url="/account")
    handle(state, AuthState.require_login)
    assert state.username == account.username


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_require_login_with_dead_or_forged_cookie_redirects_to_login(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AuthState, cookie=hostile_cookie(kind), url="/account")
    path, _replace = redirect_target(handle(state, AuthState.require_login))
    assert path == "/login?next=%2Faccount"


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_require_login_with_dead_or_forged_cookie_clears_username(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AuthState, cookie=hostile_cookie(kind), url="/account")
    state.username = "someone"
    handle(state, AuthState.require_login)
    assert state.username == ""


def test_sync_session_with_live_cookie_sets_username(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)))
    handle(state, AuthState.sync_session)
    assert state.username == account.username


def test_sync_session_without_cookie_shows_nobody(make_state, handle):
    state = make_state(AuthState)
    state.username = "someone"
    handle(state, AuthState.sync_session)
    assert state.username == ""


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_sync_session_with_dead_or_forged_cookie_shows_nobody(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AuthState, cookie=hostile_cookie(kind))
    state.username = "someone"
    handle(state, AuthState.sync_session)
    assert state.username == ""


def test_sync_session_after_revocation_shows_nobody(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    token = open_session(account)
    state = make_state(AuthState, cookie=cookie_for(token))
    handle(state, AuthState.sync_session)
    revoke(token)
    handle(state, AuthState.sync_session)
    assert state.username == ""


@pytest.mark.parametrize("header", NEIGHBOUR_COOKIES.values(), ids=NEIGHBOUR_COOKIES.keys())
def test_sync_session_finds_session_cookie_among_unusual_neighbours(
    make_state, handle, new_account, open_session, cookie_for, header
):
    account = new_account()
    cookie = header.replace("{session}", cookie_for(open_session(account)))
    state = make_state(AuthState, cookie=cookie)
    handle(state, AuthState.sync_session)
    assert state.username == account.username


def test_clear_messages_empties_both_form_messages(make_state, handle):
    state = make_state(AuthState)
    state.login_error, state.register_error = INVALID_LOGIN, USERNAME_TAKEN
    handle(state, AuthState.clear_messages)
    assert (state.login_error, state.register_error) == ("", "")
