"""The security page: change password (every other session ends, this one stays), the list of
live sessions with "This device", ending one or all others; and the reset-link page."""

from __future__ import annotations

import time

import pytest
from auth_helpers import resolve
from state_helpers import redirect_path, revoke

from fintech_ui.db import session_scope
from fintech_ui.services.accounts import create_reset_token
from fintech_ui.services.sessions import sessions_of
from fintech_ui.settings import get_settings
from fintech_ui.state.forms import INVALID_FORM
from fintech_ui.state.security import PASSWORDS_DIFFER, ResetPasswordState, SecurityState
from fintech_ui.state.session import SESSION_ENDED

NEW_PASSWORD = "Lantern-Harbour-9731"


@pytest.fixture
def page(new_account, open_session, cookie_for, make_state, handle):
    """(account, this tab's token, another session's token, SecurityState loaded)."""
    account = new_account()
    token, other = open_session(account), open_session(account)
    state = make_state(SecurityState, cookie=cookie_for(token), url="/account/security")
    handle(state, SecurityState.load)
    return account, token, other, state


def _form(current: str, new: str = NEW_PASSWORD, confirm: str | None = None) -> dict:
    return {
        "current_password": current,
        "new_password": new,
        "confirm_new_password": new if confirm is None else confirm,
    }


def test_the_page_lists_both_sessions_and_marks_this_one(page):
    _account, _token, _other, state = page
    assert len(state.sessions) == 2
    assert [row.this_device for row in state.sessions].count(True) == 1
    assert {row.kind for row in state.sessions} == {"Browser"}


def test_change_password_says_password_changed(page, handle):
    account, _token, _other, state = page
    handle(state, SecurityState.change_password, form_data=_form(account.password))
    assert state.password_message.startswith("Password changed")
    assert state.password_error == ""


def test_change_password_ends_every_other_session_and_keeps_this_one(page, handle):
    account, token, other, state = page
    handle(state, SecurityState.change_password, form_data=_form(account.password))
    assert resolve(other) is None
    assert resolve(token) is not None
    assert len(state.sessions) == 1


def test_change_password_with_the_wrong_current_password_changes_nothing(page, handle):
    _account, _token, other, state = page
    handle(state, SecurityState.change_password, form_data=_form("Not-The-Password-1"))
    assert state.password_error and state.password_message == ""
    assert resolve(other) is not None


def test_new_passwords_must_match(page, handle):
    account, _token, other, state = page
    form = _form(account.password, confirm=NEW_PASSWORD + "x")
    handle(state, SecurityState.change_password, form_data=form)
    assert state.password_error == PASSWORDS_DIFFER
    assert resolve(other) is not None


def test_new_password_follows_the_registration_policy(page, handle):
    account, _token, _other, state = page
    handle(state, SecurityState.change_password, form_data=_form(account.password, "short"))
    assert "characters" in state.password_error


@pytest.mark.parametrize(
    "form", [None, {}, {"current_password": "x"}, [["a", "b"]], {**_form("x"), "user_id": 1}]
)
def test_malformed_form_is_not_understood(page, handle, form):
    _account, _token, other, state = page
    handle(state, SecurityState.change_password, form_data=form)
    assert state.password_error == INVALID_FORM
    assert resolve(other) is not None


def test_change_password_without_a_live_session_says_it_ended(page, handle):
    account, token, _other, state = page
    revoke(token)
    handle(state, SecurityState.change_password, form_data=_form(account.password))
    assert state.password_error == SESSION_ENDED
    assert state.sessions == []


def test_end_session_ends_that_session_only(page, handle):
    _account, token, other, state = page
    target = next(row.id for row in state.sessions if not row.this_device)
    handle(state, SecurityState.end_session, session_id=target)
    assert resolve(other) is None and resolve(token) is not None
    assert len(state.sessions) == 1


def test_ending_this_devices_session_logs_out(page, handle):
    _account, token, _other, state = page
    this = next(row.id for row in state.sessions if row.this_device)
    assert redirect_path(handle(state, SecurityState.end_session, session_id=this)) == "/login"
    assert resolve(token) is None


@pytest.mark.parametrize("session_id", ["1", 1.0, None, [1], -1, 2**40], ids=repr)
def test_end_session_refuses_anything_but_a_session_id(page, handle, session_id):
    _account, _token, other, state = page
    handle(state, SecurityState.end_session, session_id=session_id)
    assert resolve(other) is not None


def test_end_session_of_another_user_ends_nothing(page, handle, new_account, open_session):
    _account, token, _other, state = page
    stranger = open_session(new_account())
    with session_scope() as db:
        theirs = sessions_of(db, token=stranger, settings=get_settings(), now=int(time.time()))
    handle(state, SecurityState.end_session, session_id=theirs[0].id)
    assert resolve(stranger) is not None and resolve(token) is not None
    assert state.sessions_message == "That session had already ended."


def test_log_out_other_sessions(page, handle):
    _account, token, other, state = page
    handle(state, SecurityState.end_other_sessions)
    assert resolve(other) is None and resolve(token) is not None
    assert state.sessions_message == "1 other session ended."


def test_the_page_shows_nothing_without_a_session(make_state, handle):
    state = make_state(SecurityState, url="/account/security")
    handle(state, SecurityState.load)
    assert (state.sessions, state.loaded) == ([], False)


# --- the reset link page ---------------------------------------------------------------


@pytest.fixture
def reset_link(new_account, open_session):
    """(account, a live session of it, the reset token an operator printed)."""
    account = new_account()
    session = open_session(account)
    with session_scope() as db:
        token = create_reset_token(db, username=account.username, now=int(time.time()))
    return account, session, token


def test_set_password_with_the_link_ends_every_session(make_state, handle, reset_link):
    _account, session, token = reset_link
    state = make_state(ResetPasswordState, url=f"/reset-password?token={token}")
    form = {"new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD}
    handle(state, ResetPasswordState.set_password, form_data=form)
    assert state.reset_done and state.reset_error == ""
    assert resolve(session) is None


def test_the_link_works_once(make_state, handle, reset_link):
    _account, _session, token = reset_link
    form = {"new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD}
    for _ in range(2):
        state = make_state(ResetPasswordState, url=f"/reset-password?token={token}")
        handle(state, ResetPasswordState.set_password, form_data=form)
    assert not state.reset_done and "invalid or has expired" in state.reset_error


def test_a_made_up_link_sets_nothing(make_state, handle, reset_link):
    _account, session, _token = reset_link
    state = make_state(ResetPasswordState, url="/reset-password?token=" + "x" * 43)
    form = {"new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD}
    handle(state, ResetPasswordState.set_password, form_data=form)
    assert not state.reset_done and resolve(session) is not None
