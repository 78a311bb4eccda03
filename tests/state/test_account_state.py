"""AccountState.load: the account page's data, only ever for a live session.

The browser can call `load` by name at any time, with any cookie it likes, so every dead,
forged or garbled session must leave the page's vars empty.
"""

from __future__ import annotations

import pytest
from auth_helpers import HOSTILE_COOKIES
from state_helpers import now, revoke

from fintech_ui.db import session_scope
from fintech_ui.services.accounts import disable_user
from fintech_ui.state.account import AccountState

CREATED_AT = 1_700_000_000  # 14 November 2023, 22:13:20 UTC


NOTHING_SHOWN = {"account_name": "", "member_since": "", "balance": "", "statement": []}


def shown(state: AccountState) -> dict[str, object]:
    """The account data the page displays."""
    return {
        "account_name": state.account_name,
        "member_since": state.member_since,
        "balance": state.balance,
        "statement": list(state.statement),
    }


@pytest.fixture
def live_cookie(new_account, open_session, cookie_for):
    """A registered account (created at CREATED_AT) and the Cookie header of its session."""
    account = new_account(created_at=CREATED_AT)
    return account, cookie_for(open_session(account))


def test_load_with_live_session_shows_username(make_state, handle, live_cookie):
    account, cookie = live_cookie
    state = make_state(AccountState, cookie=cookie, url="/account")
    handle(state, AccountState.load)
    assert state.account_name == account.username


def test_load_with_live_session_shows_member_since_date_in_utc(make_state, handle, live_cookie):
    _account, cookie = live_cookie
    state = make_state(AccountState, cookie=cookie, url="/account")
    handle(state, AccountState.load)
    assert state.member_since == "14 November 2023"


def test_load_returns_no_events(make_state, handle, live_cookie):
    _account, cookie = live_cookie
    state = make_state(AccountState, cookie=cookie, url="/account")
    assert handle(state, AccountState.load) is None


def test_load_without_cookie_shows_nothing(make_state, handle):
    state = make_state(AccountState, url="/account")
    handle(state, AccountState.load)
    assert shown(state) == NOTHING_SHOWN


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_load_with_dead_or_forged_cookie_reveals_no_account_name(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AccountState, cookie=hostile_cookie(kind), url="/account")
    handle(state, AccountState.load)
    assert state.account_name == ""


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_load_with_dead_or_forged_cookie_reveals_no_account_data(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AccountState, cookie=hostile_cookie(kind), url="/account")
    handle(state, AccountState.load)
    assert shown(state) == NOTHING_SHOWN


def test_load_after_revocation_clears_what_was_shown(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account(created_at=CREATED_AT)
    token = open_session(account)
    state = make_state(AccountState, cookie=cookie_for(token), url="/account")
    handle(state, AccountState.load)
    revoke(token)
    handle(state, AccountState.load)
    assert shown(state) == NOTHING_SHOWN


def test_load_after_account_disabled_clears_what_was_shown(
    make_state, handle, new_account, open_session, cookie_for
):
    account = new_account(created_at=CREATED_AT)
    state = make_state(AccountState, cookie=cookie_for(open_session(account)), url="/account")
    handle(state, AccountState.load)
    with session_scope() as db:
        disable_user(db, user_id=account.id, now=now())
    handle(state, AccountState.load)
    assert shown(state) == NOTHING_SHOWN


def test_load_shows_the_cookies_owner_not_another_user(
    make_state, handle, new_account, open_session, cookie_for
):
    first, second = new_account(), new_account()
    open_session(first)
    state = make_state(AccountState, cookie=cookie_for(open_session(second)), url="/account")
    handle(state, AccountState.load)
    assert state.account_name == second.username
