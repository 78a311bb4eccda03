"""AuthState.log_in and AuthState.register fed every shape of junk a websocket client could
send (any public handler can be called by name with any JSON payload): each form answers with
its "form not understood" message, writes no user, session or login code, and navigates
nowhere."""

from __future__ import annotations

import pytest
from auth_helpers import MALFORMED_SUBMISSIONS, table_counts

from fintech_ui.state.auth import AuthState
from fintech_ui.state.forms import INVALID_FORM


@pytest.mark.parametrize(("form", "form_data"), MALFORMED_SUBMISSIONS)
def test_malformed_form_says_form_not_understood(make_state, handle, form, form_data):
    state = make_state(AuthState, url=form.url)
    handle(state, form.handler, form_data=form_data)
    assert getattr(state, form.error_var) == INVALID_FORM


@pytest.mark.parametrize(("form", "form_data"), MALFORMED_SUBMISSIONS)
def test_malformed_form_writes_no_user_session_or_code(make_state, handle, form, form_data):
    state = make_state(AuthState, url=form.url)
    before = table_counts()
    handle(state, form.handler, form_data=form_data)
    assert table_counts() == before


@pytest.mark.parametrize(("form", "form_data"), MALFORMED_SUBMISSIONS)
def test_malformed_form_returns_no_navigation(make_state, handle, form, form_data):
    state = make_state(AuthState, url=form.url)
    assert handle(state, form.handler, form_data=form_data) is None
