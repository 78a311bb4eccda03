"""The two HTTP endpoints that write the session cookie, which page scripts can never read.

The websocket cannot set cookies, so after a successful login the browser is sent here with
a single-use code; the answer sets an HttpOnly cookie and redirects back into the app.
"""

from __future__ import annotations

import asyncio
import time

from reflex.config import get_config
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from fintech_ui.db import session_scope
from fintech_ui.security import SESSION_COOKIE, safe_next_path
from fintech_ui.services.sessions import redeem_login_code
from fintech_ui.settings import get_settings


def _frontend(path: str) -> str:
    return get_config().deploy_url.rstrip("/") + safe_next_path(path, "/")


def _secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    if configured is not None:
        return configured
    if get_settings().trusted_proxy_hops and request.headers.get("x-forwarded-proto") == "https":
        return True
    return request.url.scheme == "https"


def _redeem(code: str | None) -> tuple[str, str] | None:
    with session_scope() as db:
        return redeem_login_code(db, code, settings=get_settings(), now=int(time.time()))


async def start_session(request: Request) -> RedirectResponse:
    """Swap a login code for the session cookie; a bad or used code lands on the login page."""
    redeemed = await asyncio.to_thread(_redeem, request.query_params.get("code"))
    if redeemed is None:
        return RedirectResponse(_frontend("/login"), status_code=303)
    token, next_path = redeemed
    response = RedirectResponse(_frontend(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().session_absolute_seconds,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def end_session(request: Request) -> RedirectResponse:
    """Drop the cookie; the session row was already revoked by the log-out handler."""
    response = RedirectResponse(_frontend("/login"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/auth/session", start_session, methods=["GET"]),
    Route("/auth/logout", end_session, methods=["GET"]),
]
