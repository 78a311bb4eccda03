"""Who is asking: the session cookie of the websocket, checked against the database.

Every privileged handler calls `current_user` itself. The browser can call any handler by
name at any time, so neither `on_load` nor a var set earlier proves who is on the other end.
"""

from __future__ import annotations

import asyncio
import time
from http.cookies import CookieError, SimpleCookie

import reflex as rx

from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.sessions import resolve_session
from fintech_ui.settings import get_settings


def session_token(state: rx.State) -> str:
    """The session token sent as an HttpOnly cookie with the websocket handshake, or ''."""
    raw = state.router.headers.cookie or ""
    try:
        cookies = SimpleCookie(raw)
    except CookieError:
        return ""
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else ""


def _resolve(token: str) -> User | None:
    with session_scope() as db:
        return resolve_session(db, token, settings=get_settings(), now=int(time.time()))


async def current_user(state: rx.State) -> User | None:
    """The live, active user of this websocket's session, or None."""
    token = session_token(state)
    if not token:
        return None
    return await asyncio.to_thread(_resolve, token)
