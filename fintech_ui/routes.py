"""Every path of the app in one place: page routes, their builders and the cookie endpoints.

Pages, states, components and the cookie endpoints name paths through this module, so a
route renamed here is renamed everywhere. Imports nothing of Reflex: the cookie endpoints
and the services' callers use it too.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

INDEX = "/"
LOGIN = "/login"
REGISTER = "/register"
CART = "/cart"
ACCOUNT = "/account"
ORDERS = "/orders"
ORDER_DETAIL = "/orders/[order_id]"  # the dynamic route as Reflex registers it
ORDER_PREFIX = ORDERS + "/"  # what a link to one order starts with
PORTFOLIO = "/portfolio"
PRODUCT_DETAIL = "/products/[sku]"  # the dynamic route as Reflex registers it
PRODUCT_PREFIX = "/products/"  # what a link to one product starts with
ADMIN = "/admin"  # the back office
ACCOUNT_SECURITY = "/account/security"  # change password, active sessions
RESET_PASSWORD = "/reset-password"  # noqa: S105 (a path: ?token=… from the reset link)

AUTH_SESSION = "/auth/session"  # swaps a login code for the HttpOnly session cookie
AUTH_LOGOUT = "/auth/logout"  # POST: revokes the session and drops the cookie
AUTH_NONCE = "/auth/nonce"  # sets the login-nonce cookie where pages come from elsewhere
API = "/api"  # where the JSON API is mounted
API_ADMIN = "/admin"  # the back office's endpoints, under API


def served_together(pages_url: str | None, backend_url: str | None) -> bool:
    """Whether one server serves the pages and the backend (one origin, as `make run` and
    `make run-prod` do): then the app's own trips between them (login, log-out) use paths
    alone, and work under whatever host name the browser used. Cookies belong to a host name,
    so sending a browser from 127.0.0.1 to localhost would leave its login cookies behind."""
    pages, backend = urlsplit(pages_url or ""), urlsplit(backend_url or "")
    return bool(pages.netloc) and (pages.scheme, pages.netloc.lower()) == (
        backend.scheme,
        backend.netloc.lower(),
    )


def order(order_id: int) -> str:
    """The page of one order."""
    return f"{ORDER_PREFIX}{int(order_id)}"


def next_query(next_path: str) -> str:
    """'?next=…' that brings a login or registration back to `next_path` ('' for home)."""
    return f"?next={quote(next_path, safe='')}" if next_path != INDEX else ""


def login(next: str | None = None) -> str:
    """The login page, returning to `next` afterwards (when given)."""
    return LOGIN if next is None else f"{LOGIN}?next={quote(next, safe='')}"


def auth_session(code: str) -> str:
    """The cookie endpoint's address for a single-use login code."""
    return AUTH_SESSION + "?" + urlencode({"code": code})


def auth_nonce(next_path: str) -> str:
    """The nonce endpoint's address, returning to `next_path`."""
    return AUTH_NONCE + "?" + urlencode({"next": next_path})
