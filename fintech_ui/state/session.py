"""Who is asking: the session cookie of the websocket, checked against the database.

Every privileged handler calls `current_user` itself. The browser can call any handler by
name at any time, so neither `on_load` nor a var set earlier proves who is on the other end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from starlette.requests import cookie_parser

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.sessions import resolve_user
from fintech_ui.settings import get_settings


def session_token(state: rx.State) -> str:
    """The session token sent as an HttpOnly cookie with the websocket handshake, or ''."""
    # Parsed per ';' chunk as browsers send it: SimpleCookie drops the whole header when
    # any neighbouring cookie (another app on this host) is malformed.
    return cookie_parser(state.router.headers.cookie or "").get(SESSION_COOKIE, "")


async def current_user(state: rx.State) -> User | None:
    """The live, active user of this websocket's session, or None."""
    token = session_token(state)
    if not token:
        return None
    return await asyncio.to_thread(
        resolve_user, session_scope, token, settings=get_settings(), now=int(time.time())
    )


T = TypeVar("T")


async def run_db(fn: Callable[..., T], /, *args: Any, read_only: bool = False, **kwargs: Any) -> T:
    """fn(db, *args, **kwargs) in one transaction, in a worker thread off the event loop."""

    def work() -> T:
        with session_scope(read_only=read_only) as db:
            return fn(db, *args, **kwargs)

    return await asyncio.to_thread(work)


def now() -> int:
    """The current UNIX time in whole seconds, as the services expect."""
    return int(time.time())
