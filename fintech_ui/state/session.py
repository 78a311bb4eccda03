"""Who is asking: the session cookie of the websocket, checked against the database.

Every privileged handler calls `current_user` itself. The browser can call any handler by
name at any time, so neither `on_load` nor a var set earlier proves who is on the other end.
"""

from __future__ import annotations

import reflex as rx
from starlette.requests import cookie_parser

from fintech_ui.db import now, run
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.sessions import UserView, resolve_user
from fintech_ui.settings import get_settings


def session_token(state: rx.State) -> str:
    """The session token sent as an HttpOnly cookie with the websocket handshake, or ''."""
    # Parsed per ';' chunk as browsers send it: SimpleCookie drops the whole header when
    # any neighbouring cookie (another app on this host) is malformed.
    return cookie_parser(state.router.headers.cookie or "").get(SESSION_COOKIE, "")


async def current_user(state: rx.State) -> UserView | None:
    """The live, active user of this websocket's session, or None."""
    token = session_token(state)
    if not token:
        return None
    return await run(resolve_user, token, settings=get_settings(), now=now(), read_only=True)
