"""Helpers and hostile inputs shared by the log-in, registration, session and log-out
state tests (tests/state/test_{login,register,auth_forms,session,logout}_state.py)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import reflex as rx
from sqlalchemy import func
from sqlmodel import select
from state_helpers import TEST_NONCE, navigation_target, now

from fintech_ui.db import session_scope
from fintech_ui.models import AuthSession, LoginCode, LoginFailure, User
from fintech_ui.security import username_key
from fintech_ui.services.sessions import redeem_login_code, resolve_session
from fintech_ui.settings import get_settings
from fintech_ui.state.auth import AuthState


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


def redeem(code: str, browser_nonce: str = TEST_NONCE) -> tuple[str, str] | None:
    """What the cookie endpoint would get for this code in the browser holding `browser_nonce`
    (by default the test browser's): (token, next path), or None."""
    with session_scope() as db:
        redeemed = redeem_login_code(
            db, code, browser_nonce=browser_nonce, settings=get_settings(), now=now()
        )
    return None if redeemed is None else (redeemed.token, redeemed.next_path)


def resolve(token: str) -> User | None:
    """The live user behind the token, as the app resolves it."""
    with session_scope() as db:
        return resolve_session(db, token, settings=get_settings(), now=now())


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


@dataclass(frozen=True)
class AuthForm:
    """One of AuthState's two forms: its handler, its page, the var holding its message, and
    the junk a websocket client could send it."""

    name: str
    url: str
    error_var: str
    payloads: dict[str, object]

    @property
    def handler(self):
        """The event handler, e.g. AuthState.log_in."""
        return getattr(AuthState, self.name)


AUTH_FORMS = (
    AuthForm("log_in", "/login", "login_error", LOGIN_PAYLOADS),
    AuthForm("register", "/register", "register_error", REGISTER_PAYLOADS),
)
# (form, form_data) for every form and every malformed payload, named "log_in-int" etc.
MALFORMED_SUBMISSIONS = [
    pytest.param(form, form_data, id=f"{form.name}-{label}")
    for form in AUTH_FORMS
    for label, form_data in form.payloads.items()
]


HOSTILE_COOKIES = [
    "revoked",
    "expired",
    "idle",
    "disabled user",
    "forged with another key",
    "unsigned alg none",
    "unknown jti",
    "live session's jti under another user id",
    "not a jwt",
    "empty value",
    "oversized value",
    "unterminated quote",
    "illegal cookie name",
    "binary junk",
    "only separators",
]


# Cookies other sites or scripts on the same host may set: browsers send them all in one
# header, and one odd neighbour must not hide the session cookie.
NEIGHBOUR_COOKIES = {
    "json value before": 'prefs={"theme":"dark"}; {session}',
    "space in value before": "note=hello world; {session}",
    "space in value after": "{session}; note=hello world",
    "non-ascii value before": "city=Zürich; {session}",
    "at sign in name before": "a@b=1; {session}",
}
