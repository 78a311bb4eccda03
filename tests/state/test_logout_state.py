"""AuthState.log_out (always navigates to the backend's logout endpoint, revokes only a
real session) and the next-path carried between the log-in and registration forms."""

from __future__ import annotations

import pytest
from auth_helpers import HOSTILE_COOKIES, NEIGHBOUR_COOKIES, api, count, resolve
from state_helpers import post_target

from fintech_ui.models import AuthSession
from fintech_ui.security import decode_token, issue_token
from fintech_ui.settings import get_settings
from fintech_ui.state.auth import AuthState

# --------------------------------------------------------------------------- log_out


def test_log_out_revokes_the_session_in_the_database(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    token = open_session(account)
    state = make_state(AuthState, cookie=cookie_for(token))
    handle(state, AuthState.log_out)
    assert resolve(token) is None


def test_log_out_marks_the_session_row_revoked(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)))
    handle(state, AuthState.log_out)
    assert (
        count(AuthSession, AuthSession.user_id == account.id, AuthSession.revoked_at.is_(None)) == 0
    )


def test_log_out_clears_username(make_state, handle, new_account, open_session, cookie_for):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)))
    state.username = account.username
    handle(state, AuthState.log_out)
    assert state.username == ""


def test_log_out_navigates_to_backend_logout_endpoint(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    state = make_state(AuthState, cookie=cookie_for(open_session(account)))
    assert post_target(handle(state, AuthState.log_out)) == api("/auth/logout")


def test_log_out_without_cookie_still_navigates_to_logout_endpoint(make_state, handle):
    state = make_state(AuthState)
    assert post_target(handle(state, AuthState.log_out)) == api("/auth/logout")


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_log_out_with_dead_or_forged_cookie_still_navigates_to_logout_endpoint(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AuthState, cookie=hostile_cookie(kind))
    assert post_target(handle(state, AuthState.log_out)) == api("/auth/logout")


def test_log_out_with_forged_token_revokes_nothing(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account()
    token = open_session(account)
    live = decode_token(token, key=get_settings().secret_key)
    assert live is not None
    state = make_state(AuthState, cookie=cookie_for(issue_token(live, key=b"k" * 48)))
    handle(state, AuthState.log_out)
    assert resolve(token) is not None


@pytest.mark.parametrize("header", NEIGHBOUR_COOKIES.values(), ids=NEIGHBOUR_COOKIES.keys())
def test_log_out_revokes_session_sent_among_unusual_neighbour_cookies(
    make_state, handle, new_account, open_session, cookie_for, header
):
    account = new_account()
    token = open_session(account)
    state = make_state(AuthState, cookie=header.replace("{session}", cookie_for(token)))
    handle(state, AuthState.log_out)
    assert resolve(token) is None


def test_opening_a_form_page_carries_next_for_the_other_form(make_state, handle):
    state = make_state(AuthState, url="/login?next=/cart")
    handle(state, AuthState.clear_messages)
    assert state.next_query == "?next=%2Fcart"


def test_opening_a_form_page_drops_an_offsite_next(make_state, handle):
    state = make_state(AuthState, url="/login?next=https://evil.example")
    handle(state, AuthState.clear_messages)
    assert state.next_query == ""
