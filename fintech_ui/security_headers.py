"""Security headers on every HTTP response in production: pages, assets, the API, redirects.

A pure ASGI middleware (no Reflex, no Starlette request objects), so it wraps the whole backend
app that `reflex run --env prod --single-port` serves: the compiled frontend, the JSON API and
the session-cookie endpoints alike. Websocket traffic passes through untouched.

The Content-Security-Policy is the strictest the app works under. Reflex's prerendered pages
carry inline scripts that differ per page and build (React Router's streamed data, the theme
script) and `rx.call_script` evaluates strings, so scripts need 'unsafe-inline' and
'unsafe-eval'; Radix and emotion inject inline styles. What the policy still guarantees: code,
styles, images and fonts come only from this site; the page talks (fetch, websocket) only to
this site; no page can be framed by another site (clickjacking); no plugins; forms post (the
log-out form) and <base> points only here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _websocket_origin(origin: str) -> str:
    return origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def content_security_policy(allowed_origins: Iterable[str] = ()) -> str:
    """The CSP header value; `allowed_origins` (site origins or URLs: the API URL) are added
    where 'self' may not cover them (the websocket's ws:// or wss:// form, a separate API
    host). Anything that is not an http(s) URL, such as "*", is ignored."""
    origins: list[str] = []
    for url in allowed_origins:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
            origins.append(origin)
    connect = " ".join(["'self'", *origins, *(_websocket_origin(o) for o in origins)])
    # The log-out form posts to the backend, which may be another origin than the pages.
    forms = " ".join(["'self'", *origins])
    directives = [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src {connect}",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {forms}",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def security_headers(allowed_origins: Iterable[str] = ()) -> list[tuple[bytes, bytes]]:
    """Every header the middleware adds, as ASGI (name, value) byte pairs."""
    headers = {
        "content-security-policy": content_security_policy(allowed_origins),
        "x-content-type-options": "nosniff",
        # Links out of the site never carry a path (a reset link's token stays here), yet a
        # form posted to the backend on another port still says where it came from (Origin:
        # the log-out endpoint checks it; "same-origin" would make it "null").
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",  # for browsers that predate frame-ancestors
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeadersMiddleware:
    """Adds `security_headers()` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.headers = security_headers(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; decorate the start of an HTTP response with the headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def transformer(
    *, enabled: bool, allowed_origins: Iterable[str] = ()
) -> Callable[[ASGIApp], ASGIApp]:
    """For rx.App(api_transformer=[..., transformer(...)]): wraps the whole backend when enabled
    (production), returns it unchanged otherwise (the dev server's frontend is elsewhere)."""
    origins = tuple(allowed_origins)

    def wrap(app: ASGIApp) -> ASGIApp:
        return SecurityHeadersMiddleware(app, allowed_origins=origins) if enabled else app

    return wrap
