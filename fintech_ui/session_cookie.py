"""The two HTTP endpoints that write the session cookie, which page scripts can never read.

The websocket cannot set cookies, so after a successful login the browser is sent here with
a single-use code; the answer sets an HttpOnly cookie and redirects back into the app.
`make_routes` takes where the pages are served from, so this module needs no Reflex.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from fintech_ui.db import now, run
from fintech_ui.security import SESSION_COOKIE, safe_next_path
from fintech_ui.services.sessions import redeem_login_code
from fintech_ui.settings import get_settings


def _secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    if configured is not None:
        return configured
    if get_settings().trusted_proxy_hops and request.headers.get("x-forwarded-proto") == "https":
        return True
    return request.url.scheme == "https"


def make_routes(frontend_url: Callable[[], str]) -> list[Route]:
    """`GET /auth/session` and `GET /auth/logout`, redirecting to pages under `frontend_url()`
    (read per request: the app's deploy URL may be configured after import)."""

    def frontend(path: str) -> str:
        return frontend_url().rstrip("/") + safe_next_path(path, "/")

    async def start_session(request: Request) -> RedirectResponse:
        """Swap a login code for the session cookie; a bad or used code lands on the login page."""
        redeemed = await run(
            redeem_login_code, request.query_params.get("code"), settings=get_settings(), now=now()
        )
        if redeemed is None:
            return RedirectResponse(frontend("/login"), status_code=303)
        token, next_path = redeemed
        response = RedirectResponse(frontend(next_path), status_code=303)
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
        response = RedirectResponse(frontend("/login"), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        response.headers["Cache-Control"] = "no-store"
        return response

    return [
        Route("/auth/session", start_session, methods=["GET"]),
        Route("/auth/logout", end_session, methods=["GET"]),
    ]
