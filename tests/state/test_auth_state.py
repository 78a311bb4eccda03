"""AuthState's handlers, called directly with what a browser (or an attacker) could send.

Any public handler can be invoked over the websocket by name with any JSON payload, so the
log-in and registration forms are fed every shape of junk and must answer with a message
and write nothing, while the real flows must open exactly one session and one login code.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import jwt
import pytest
import reflex as rx
from reflex.event import EventSpec
from sqlalchemy import func
from sqlmodel import select

from fintech_ui.db import session_scope
from fintech_ui.models import AuthSession, LoginCode, LoginFailure, User
from fintech_ui.security import TokenClaims, decode_token, issue_token, username_key
from fintech_ui.services.accounts import INVALID_LOGIN, USERNAME_TAKEN, disable_user
from fintech_ui.services.sessions import redeem_login_code, resolve_session, revoke_session
from fintech_ui.settings import get_settings
from fintech_ui.state.auth import AuthState
from fintech_ui.state.forms import INVALID_FORM

# ---------------------------------------------------------------------------- helpers


def spec_args(spec: EventSpec) -> dict[str, Any]:
    """The literal arguments of an event spec, by name."""
    return {name._js_expr: getattr(value, "_var_value", None) for name, value in spec.args}


_ASSIGN = re.compile(r"window\.location\.assign\((?P<url>.*)\)")


def navigation_target(spec: object) -> str:
    """The URL of a full-page navigation (`rx.call_script("window.location.assign(...)")`)."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    match = _ASSIGN.fullmatch(str(spec_args(spec).get("javascript_code")))
    assert match is not None, f"not a window.location.assign navigation: {spec!r}"
    return json.loads(match["url"])


def redirect_target(spec: object) -> tuple[str, bool]:
    """(path, replace) of an `rx.redirect` spec."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    args = spec_args(spec)
    assert "path" in args, f"not a redirect: {spec!r}"
    return args["path"], bool(args["replace"])


def login_code_in(spec: object) -> str:
    """The login code of a navigation to the backend's cookie endpoint."""
    query = parse_qs(urlsplit(navigation_target(spec)).query)
    return query["code"][0]


def count(model: type, *where: Any) -> int:
    """How many rows of `model` match `where` (all of them when none)."""
    with session_scope() as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def table_counts() -> dict[str, int]:
    """Row counts of every table a log-in or a registration could add to."""
    return {"users": count(User), "sessions": count(AuthSession), "codes": count(LoginCode)}


def failures(scope: str, key: str) -> int:
    """How many failed log-ins the throttle holds for an account ("user") or address ("addr")."""
    return count(LoginFailure, LoginFailure.scope == scope, LoginFailure.key == key)


def login_codes_of(user_id: int) -> int:
    """How many login codes name one of the user's sessions."""
    with session_scope() as db:
        return db.exec(
            select(func.count())
            .select_from(LoginCode)
            .join(AuthSession, AuthSession.id == LoginCode.session_id)
            .where(AuthSession.user_id == user_id)
        ).one()


def user_id_of(username: str) -> int | None:
    """The id of the user with this username (case-insensitively), or None."""
    with session_scope() as db:
        return db.exec(select(User.id).where(User.username_key == username_key(username))).first()


def now() -> int:
    return int(time.time())


def redeem(code: str) -> tuple[str, str] | None:
    """What the cookie endpoint would get for this code: (token, next path), or None."""
    with session_scope() as db:
        return redeem_login_code(db, code, settings=get_settings(), now=now())


def resolve(token: str) -> User | None:
    """The live user behind the token, as the app resolves it."""
    with session_scope() as db:
        return resolve_session(db, token, settings=get_settings(), now=now())


def revoke(token: str) -> None:
    with session_scope() as db:
        revoke_session(db, token, settings=get_settings(), now=now())


def api(path: str) -> str:
    return rx.config.get_config().api_url.rstrip("/") + path


def unique_name() -> str:
    """A fresh valid username for a registration through the form."""
    return "r" + uuid.uuid4().hex[:17]


STRONG_PASSWORD = "Violet-Harbour-Lantern-42"
# The backend's cookie endpoint with a single-use code (secrets.token_urlsafe(32)) only.
COOKIE_ENDPOINT_WITH_CODE = re.compile(re.escape(api("/auth/session")) + r"\?code=[\w-]{43}")

# ------------------------------------------------------------ hostile form payloads

LONG_10K = "a" * 10_000
LONG_1M = "a" * 1_000_000

LOGIN_PAYLOADS: dict[str, object] = {
    "none": None,
    "int": 5,
    "string": "str",
    "empty list": [],
    "list of pairs": [["username", "nobody123"], ["password", STRONG_PASSWORD]],
    "empty dict": {},
    "missing password": {"username": "nobody123"},
    "missing username": {"password": STRONG_PASSWORD},
    "extra is_admin": {"username": "nobody123", "password": STRONG_PASSWORD, "is_admin": True},
    "username int": {"username": 5, "password": STRONG_PASSWORD},
    "username list": {"username": ["nobody123"], "password": STRONG_PASSWORD},
    "username dict": {"username": {"$ne": ""}, "password": STRONG_PASSWORD},
    "username None": {"username": None, "password": STRONG_PASSWORD},
    "username bool": {"username": True, "password": STRONG_PASSWORD},
    "password int": {"username": "nobody123", "password": 123456789012},
    "password list": {"username": "nobody123", "password": [STRONG_PASSWORD]},
    "password dict": {"username": "nobody123", "password": {"$gt": ""}},
    "password None": {"username": "nobody123", "password": None},
    "password bool": {"username": "nobody123", "password": True},
    "username 10k chars": {"username": LONG_10K, "password": STRONG_PASSWORD},
    "username 1M chars": {"username": LONG_1M, "password": STRONG_PASSWORD},
    "password 10k chars": {"username": "nobody123", "password": LONG_10K},
    "password 1M chars": {"username": "nobody123", "password": LONG_1M},
}


def _registration(username: str = "newcomer123", password: str = STRONG_PASSWORD) -> dict:
    return {"username": username, "password": password, "confirm_password": password}


REGISTER_PAYLOADS: dict[str, object] = {
    "none": None,
    "int": 5,
    "string": "str",
    "empty list": [],
    "list of pairs": [[key, value] for key, value in _registration().items()],
    "empty dict": {},
    "missing confirm_password": {"username": "newcomer123", "password": STRONG_PASSWORD},
    "missing password": {"username": "newcomer123", "confirm_password": STRONG_PASSWORD},
    "missing username": {"password": STRONG_PASSWORD, "confirm_password": STRONG_PASSWORD},
    "extra is_admin": {**_registration(), "is_admin": True},
    "username int": {**_registration(), "username": 5},
    "username list": {**_registration(), "username": ["newcomer123"]},
    "username dict": {**_registration(), "username": {"name": "newcomer123"}},
    "username None": {**_registration(), "username": None},
    "username bool": {**_registration(), "username": False},
    "password int": {**_registration(), "password": 1234567890123},
    "password list": {**_registration(), "password": [STRONG_PASSWORD]},
    "password dict": {**_registration(), "password": {}},
    "password None": {**_registration(), "password": None},
    "password bool": {**_registration(), "password": True},
    "confirm_password int": {**_registration(), "confirm_password": 7},
    "confirm_password None": {**_registration(), "confirm_password": None},
    "username 10k chars": _registration(username=LONG_10K),
    "username 1M chars": _registration(username=LONG_1M),
    "password 10k chars": _registration(password=LONG_10K),
    "password 1M chars": _registration(password=LONG_1M),
}

# -------------------------------------------------------------------- log_in: junk


@pytest.mark.parametrize("form_data", LOGIN_PAYLOADS.values(), ids=LOGIN_PAYLOADS.keys())
def test_log_in_with_malformed_form_says_form_not_understood(make_state, handle, form_data):
    state = make_state(AuthState, url="/login")
    handle(state, AuthState.log_in, form_data=form_data)
    assert state.login_error == INVALID_FORM


@pytest.mark.parametrize("form_data", LOGIN_PAYLOADS.values(), ids=LOGIN_PAYLOADS.keys())
def test_log_in_with_malformed_form_writes_no_user_session_or_code(make_state, handle, form_data):
    state = make_state(AuthState, url="/login")
    before = table_counts()
    handle(state, AuthState.log_in, form_data=form_data)
    assert table_counts() == before


@pytest.mark.parametrize("form_data", LOGIN_PAYLOADS.values(), ids=LOGIN_PAYLOADS.keys())
def test_log_in_with_malformed_form_returns_no_navigation(make_state, handle, form_data):
    state = make_state(AuthState, url="/login")
    assert handle(state, AuthState.log_in, form_data=form_data) is None


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


# ------------------------------------------------------------------ register: junk


@pytest.mark.parametrize("form_data", REGISTER_PAYLOADS.values(), ids=REGISTER_PAYLOADS.keys())
def test_register_with_malformed_form_says_form_not_understood(make_state, handle, form_data):
    state = make_state(AuthState, url="/register")
    handle(state, AuthState.register, form_data=form_data)
    assert state.register_error == INVALID_FORM


@pytest.mark.parametrize("form_data", REGISTER_PAYLOADS.values(), ids=REGISTER_PAYLOADS.keys())
def test_register_with_malformed_form_writes_no_user_session_or_code(make_state, handle, form_data):
    state = make_state(AuthState, url="/register")
    before = table_counts()
    handle(state, AuthState.register, form_data=form_data)
    assert table_counts() == before


@pytest.mark.parametrize("form_data", REGISTER_PAYLOADS.values(), ids=REGISTER_PAYLOADS.keys())
def test_register_with_malformed_form_returns_no_navigation(make_state, handle, form_data):
    state = make_state(AuthState, url="/register")
    assert handle(state, AuthState.register, form_data=form_data) is None


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


# ------------------------------------------------------------ sessions and cookies


@pytest.fixture
def hostile_cookie(new_account, open_session, cookie_for) -> Callable[[str], str]:
    """`hostile_cookie(kind)`: a Cookie header that must not count as a live session."""

    def make(kind: str) -> str:
        settings = get_settings()
        account = new_account()
        if kind == "revoked":
            token = open_session(account)
            revoke(token)
            return cookie_for(token)
        if kind == "expired":
            return cookie_for(
                open_session(account, now=now() - settings.session_absolute_seconds - 60)
            )
        if kind == "idle":
            return cookie_for(open_session(account, now=now() - settings.session_idle_seconds - 60))
        if kind == "disabled user":
            token = open_session(account)
            with session_scope() as db:
                disable_user(db, user_id=account.id, now=now())
            return cookie_for(token)
        live = decode_token(open_session(account), key=settings.secret_key)
        assert live is not None
        if kind == "forged with another key":
            return cookie_for(issue_token(live, key=b"k" * 48))
        if kind == "unsigned alg none":
            payload = {"sub": live.sub, "jti": live.jti, "iat": live.iat, "exp": live.exp}
            return cookie_for(jwt.encode(payload, None, algorithm="none"))
        if kind == "unknown jti":
            claims = TokenClaims(sub=live.sub, jti="no-such-jti", iat=live.iat, exp=live.exp)
            return cookie_for(issue_token(claims, key=settings.secret_key))
        garbage = {
            "not a jwt": cookie_for("not-a-jwt"),
            "empty value": cookie_for(""),
            "oversized value": cookie_for("a" * 5000),
            "unterminated quote": 'fintech_session="abc',
            "illegal cookie name": "a@b=1",
            "binary junk": "\x00\x01\xff;;=;fintech_session",
            "only separators": ";;;  ; =",
        }
        return garbage[kind]

    return make


HOSTILE_COOKIES = [
    "revoked",
    "expired",
    "idle",
    "disabled user",
    "forged with another key",
    "unsigned alg none",
    "unknown jti",
    "not a jwt",
    "empty value",
    "oversized value",
    "unterminated quote",
    "illegal cookie name",
    "binary junk",
    "only separators",
]


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


# Cookies other sites or scripts on the same host may set: browsers send them all in one
# header, and one odd neighbour must not hide the session cookie.
NEIGHBOUR_COOKIES = {
    "json value before": 'prefs={"theme":"dark"}; {session}',
    "space in value before": "note=hello world; {session}",
    "space in value after": "{session}; note=hello world",
    "non-ascii value before": "city=Zürich; {session}",
    "at sign in name before": "a@b=1; {session}",
}


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
    assert navigation_target(handle(state, AuthState.log_out)) == api("/auth/logout")


def test_log_out_without_cookie_still_navigates_to_logout_endpoint(make_state, handle):
    state = make_state(AuthState)
    assert navigation_target(handle(state, AuthState.log_out)) == api("/auth/logout")


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
def test_log_out_with_dead_or_forged_cookie_still_navigates_to_logout_endpoint(
    make_state, handle, hostile_cookie, kind
):
    state = make_state(AuthState, cookie=hostile_cookie(kind))
    assert navigation_target(handle(state, AuthState.log_out)) == api("/auth/logout")


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
