"""Helpers shared by the state tests: what an event spec does, and ending a session.

Plain functions (not fixtures) so that modules can use them at import time too.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from reflex.event import EventSpec

from fintech_ui.db import session_scope
from fintech_ui.services.sessions import revoke_session
from fintech_ui.settings import get_settings

# The login-nonce cookie every test browser holds unless a test says otherwise.
TEST_NONCE = "test-browser-nonce-0123456789abcdef"


def now() -> int:
    """The wall clock, in the units sessions are stamped with."""
    return int(time.time())


def revoke(token: str) -> None:
    """Revoke a session token, as logging out elsewhere would."""
    with session_scope() as db:
        revoke_session(db, token, settings=get_settings(), now=now())


def spec_args(spec: EventSpec) -> dict[str, Any]:
    """The arguments of an event spec by name: the literal value, else the JS expression."""
    return {
        name._js_expr: getattr(value, "_var_value", None)
        if getattr(value, "_var_value", None) is not None
        else str(value)
        for name, value in spec.args
    }


def redirect_target(spec: object) -> tuple[str, bool]:
    """(path, replace) of an `rx.redirect` spec."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    args = spec_args(spec)
    assert "path" in args, f"not a redirect: {spec!r}"
    return args["path"], bool(args["replace"])


def redirect_path(spec: object) -> str:
    """The path of an `rx.redirect` spec."""
    return redirect_target(spec)[0]


def toast_code(spec: object) -> str:
    """The JavaScript a toast spec runs (it holds the toast's kind and text)."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    code = spec_args(spec).get("function", "")
    assert "__toast" in code, f"not a toast: {spec!r}"
    return code


_ASSIGN = re.compile(r"window\.location\.assign\((?P<url>.*)\)")


def navigation_target(spec: object) -> str:
    """The URL of a full-page navigation (`rx.call_script("window.location.assign(...)")`)."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    match = _ASSIGN.fullmatch(str(spec_args(spec).get("javascript_code")))
    assert match is not None, f"not a window.location.assign navigation: {spec!r}"
    return json.loads(match["url"])


_POST = re.compile(r".*f\.method = 'post'; f\.action = (?P<url>\"[^\"]*\");.*", re.S)


def post_target(spec: object) -> str:
    """The URL a form POST navigation (`rx.call_script` building a hidden form) goes to."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    match = _POST.fullmatch(str(spec_args(spec).get("javascript_code")))
    assert match is not None, f"not a form POST navigation: {spec!r}"
    return json.loads(match["url"])
