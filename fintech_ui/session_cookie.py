"""The HTTP endpoints that write the session cookie, which page scripts can never read, and the
login-nonce cookie that binds a login code to the browser that typed the password.

The websocket cannot set cookies, so after a successful login the browser is sent here with
a single-use code; the answer sets an HttpOnly cookie and redirects back into the app. The code
only redeems beside the login-nonce cookie of the browser it was made for: a hostile page that
sends its victim to `/auth/session?code=<the attacker's code>` logs no one in (login CSRF).
The nonce is set on every page served without one (`NonceCookieMiddleware`), or, where the pages
come from elsewhere (the dev server), by `/auth/nonce`, which sends the browser straight back.

Log-out is a POST from the app's own pages (its Origin is checked): it revokes the session named
by the cookie and drops the cookie; a GET, as a cross-site image or link could send, is a 405.
The app module builds them with `cookie_routes(frontend_url)`: where the frontend lives is
Reflex's configuration, which this module does not read itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request, cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from fintech_ui import routes
from fintech_ui.db import now, run
from fintech_ui.security import (
    DEVICE_COOKIE,
    DEVICE_TOKEN_SECONDS,
    LOGIN_NONCE_COOKIE,
    LOGIN_NONCE_SECONDS,
    SESSION_COOKIE,
    new_login_nonce,
    safe_next_path,
)
from fintech_ui.services.sessions import log_out, redeem_login_code, valid_login_nonce
from fintech_ui.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _secure(request: Request) -> bool:
    configured = get_settings().cookie_secure
    if configured is not None:
        return configured
    if get_settings().trusted_proxy_hops and request.headers.get("x-forwarded-proto") == "https":
        return True
    return request.url.scheme == "https"


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=routes.INDEX,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _from_this_site(request: Request, frontend_url: str) -> bool:
    """True when the request's Origin is one of the app's own (pages, backend, configured)."""
    origin = request.headers.get("origin", "").lower()
    if not origin or origin == "null":
        return False
    own = {_origin(frontend_url), _origin(str(request.base_url))}
    own.update(o.lower() for o in get_settings().allowed_origins if o != "*")
    return origin in own


async def _start_session(request: Request, frontend: Callable[[str], str]) -> Response:
    redeemed = await run(
        redeem_login_code,
        request.query_params.get("code"),
        browser_nonce=request.cookies.get(LOGIN_NONCE_COOKIE),
        settings=get_settings(),
        now=now(),
    )
    if redeemed is None:
        return RedirectResponse(frontend(routes.LOGIN), status_code=303)
    response = RedirectResponse(frontend(redeemed.next_path), status_code=303)
    _set_cookie(
        response, request, SESSION_COOKIE, redeemed.token, get_settings().session_absolute_seconds
    )
    # "This browser logged in here before": exempt from the per-account login delay.
    _set_cookie(response, request, DEVICE_COOKIE, redeemed.device_token, DEVICE_TOKEN_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _end_session(request: Request, frontend: Callable[[str], str]) -> Response:
    if not _from_this_site(request, frontend(routes.INDEX)):
        return PlainTextResponse("Log out from the app's own pages.", status_code=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run(log_out, token=token, settings=get_settings(), now=now())
    response = RedirectResponse(frontend(routes.LOGIN), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=routes.INDEX, httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


def _give_nonce(request: Request, frontend: Callable[[str], str]) -> Response:
    # For pages the backend does not serve (the dev server): set the nonce, go straight back.
    # The page then says whether the cookie arrived (`cookies=1`), so a browser that refuses
    # cookies is told so instead of being sent round in circles.
    next_path = safe_next_path(request.query_params.get("next"), routes.LOGIN)
    separator = "&" if "?" in next_path else "?"
    response = RedirectResponse(frontend(f"{next_path}{separator}cookies=1"), status_code=303)
    if not valid_login_nonce(request.cookies.get(LOGIN_NONCE_COOKIE)):
        _set_cookie(response, request, LOGIN_NONCE_COOKIE, new_login_nonce(), LOGIN_NONCE_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def cookie_routes(frontend_url: Callable[[], str]) -> list[Route]:
    """The endpoints; `frontend_url()` says where the pages are served (read per request)."""

    def frontend(path: str) -> str:
        return frontend_url().rstrip("/") + safe_next_path(path, routes.INDEX)

    async def start_session(request: Request) -> Response:
        """Swap a login code for the session cookie; a bad or used code, or one made for another
        browser, lands on the login page."""
        return await _start_session(request, frontend)

    async def end_session(request: Request) -> Response:
        """Revoke the cookie's session and drop the cookie (a POST from the app's own pages)."""
        return await _end_session(request, frontend)

    async def logout_needs_post(_request: Request) -> Response:
        """A GET (a link or an image on any site) never logs anyone out."""
        return PlainTextResponse(
            "Log out with the button.", status_code=405, headers={"Allow": "POST"}
        )

    async def give_nonce(request: Request) -> Response:
        """Set the login-nonce cookie and return to the page that asked."""
        return _give_nonce(request, frontend)

    return [
        Route(routes.AUTH_SESSION, start_session, methods=["GET"]),
        Route(routes.AUTH_LOGOUT, end_session, methods=["POST"]),
        # Explicit: the app mounted behind these routes would answer a GET with its own 404.
        Route(routes.AUTH_LOGOUT, logout_needs_post, methods=["GET"]),
        Route(routes.AUTH_NONCE, give_nonce, methods=["GET"]),
    ]


class NonceCookieMiddleware:
    """Gives every browser a login nonce with the first page it loads (before its websocket
    opens, so the login form's handler can bind the login code to it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; a page served to a browser without a nonce sets one."""
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        cookie = b"; ".join(v for k, v in scope.get("headers", []) if k.lower() == b"cookie")
        if valid_login_nonce(cookie_parser(cookie.decode("latin-1")).get(LOGIN_NONCE_COOKIE)):
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        configured = get_settings().cookie_secure
        if configured is not None:
            secure = configured

        async def send_with_nonce(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    value = (
                        f"{LOGIN_NONCE_COOKIE}={new_login_nonce()}; Max-Age={LOGIN_NONCE_SECONDS}; "
                        f"Path=/; HttpOnly; SameSite=Lax{'; Secure' if secure else ''}"
                    )
                    headers.append((b"set-cookie", value.encode("latin-1")))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_nonce)


def nonce_transformer(app: ASGIApp) -> ASGIApp:
    """For rx.App(api_transformer=[...]): pages the backend serves carry the login nonce."""
    return NonceCookieMiddleware(app)
