"""The two HTTP endpoints that write the session cookie, which page scripts can never read.

The websocket cannot set cookies, so after a successful login the browser is sent here with
a single-use code; the answer sets an HttpOnly cookie and redirects back into the app.
The app module builds them with `cookie_routes(frontend_url)`: where the frontend lives is
Reflex's configuration, which this module does not read itself.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fintech_ui import routes
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


async def _start_session(request: Request, frontend: Callable[[str], str]) -> Response:
    redeemed = await run(
        redeem_login_code, request.query_params.get("code"), settings=get_settings(), now=now()
    )
    if redeemed is None:
        return RedirectResponse(frontend(routes.LOGIN), status_code=303)
    token, next_path = redeemed
    response = RedirectResponse(frontend(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().session_absolute_seconds,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=routes.INDEX,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _end_session(frontend: Callable[[str], str]) -> Response:
    response = RedirectResponse(frontend(routes.LOGIN), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=routes.INDEX, httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


def cookie_routes(frontend_url: Callable[[], str]) -> list[Route]:
    """The two endpoints; `frontend_url()` says where the pages are served (read per request)."""

    def frontend(path: str) -> str:
        return frontend_url().rstrip("/") + safe_next_path(path, routes.INDEX)

    async def start_session(request: Request) -> Response:
        """Swap a login code for the session cookie; a bad or used code lands on the login page."""
        return await _start_session(request, frontend)

    async def end_session(_request: Request) -> Response:
        """Drop the cookie; the session row was already revoked by the log-out handler."""
        return _end_session(frontend)

    return [
        Route(routes.AUTH_SESSION, start_session, methods=["GET"]),
        Route(routes.AUTH_LOGOUT, end_session, methods=["GET"]),
    ]
