"""Register, log in and log out; the navigation bar's idea of who is logged in."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote, urlencode

import reflex as rx

from fintech_ui.db import session_scope
from fintech_ui.password_pool import run_password_work
from fintech_ui.security import PolicyError, safe_next_path
from fintech_ui.services.accounts import INVALID_LOGIN, UsernameTaken, authenticate, register
from fintech_ui.services.cart import merge_visitor_cart
from fintech_ui.services.sessions import create_login_code, create_session, revoke_session
from fintech_ui.settings import get_settings
from fintech_ui.state.cart import CartState
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import current_user, session_token

COOKIE_ENDPOINT = "/auth/session"
LOGOUT_ENDPOINT = "/auth/logout"


def _backend_url(path: str, query: dict[str, str] | None = None) -> str:
    base = rx.config.get_config().api_url.rstrip("/")
    return base + path + ("?" + urlencode(query) if query else "")


def _navigate(url: str) -> rx.event.EventSpec:
    # A full page load, not a client-side route change: the cookie endpoint lives on the
    # backend, and the reloaded page's websocket must carry the new cookie.
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def _log_in_sync(
    username: str, password: str, address: str, next_path: str, visitor_token: str
) -> tuple[str, int]:
    settings, now = get_settings(), int(time.time())
    with session_scope() as db:
        outcome = authenticate(
            db, username=username, password=password, address=address, settings=settings, now=now
        )
        if outcome.user is None:
            return "", outcome.retry_after
        merge_visitor_cart(db, visitor_token=visitor_token, user_id=outcome.user.id, now=now)
        token = create_session(db, user=outcome.user, settings=settings, now=now)
        return create_login_code(
            db, token=token, next_path=next_path, settings=settings, now=now
        ), 0


def _register_sync(username: str, password: str, next_path: str, visitor_token: str) -> str:
    settings, now = get_settings(), int(time.time())
    with session_scope() as db:
        user = register(db, username=username, password=password, settings=settings, now=now)
        merge_visitor_cart(db, visitor_token=visitor_token, user_id=user.id, now=now)
        token = create_session(db, user=user, settings=settings, now=now)
        return create_login_code(db, token=token, next_path=next_path, settings=settings, now=now)


def _revoke_sync(token: str) -> None:
    with session_scope() as db:
        revoke_session(db, token, settings=get_settings(), now=int(time.time()))


class AuthState(rx.State):
    """The logged-in username for display, and the messages of the account forms."""

    username: str = ""
    # "?next=…", carried between the login and register forms so both return to that page
    next_query: str = ""
    login_error: str = ""
    register_error: str = ""

    def _next_path(self) -> str:
        return safe_next_path(self.router.url.query_parameters.get("next"), "/")

    async def _visitor_token(self) -> str:
        return (await self.get_state(CartState)).visitor_token

    async def _forget_visitor_cart(self) -> None:
        # The visitor's cart has joined the account's; its handle must not name a cart again.
        (await self.get_state(CartState)).visitor_token = ""

    @rx.event
    async def sync_session(self):
        """Show who is logged in (on every page load); a revoked session shows nobody."""
        user = await current_user(self)
        self.username = user.username if user is not None else ""

    @rx.event
    async def require_login(self):
        """Send a visitor without a live session to the login page, to come back here after."""
        user = await current_user(self)
        if user is not None:
            self.username = user.username
            return None
        self.username = ""
        url = self.router.url
        # The production server serves /account as /account/: name the page, not the file.
        path = url.path.rstrip("/") or "/"
        here = safe_next_path(path + (f"?{url.query}" if url.query else ""), "/")
        return rx.redirect(f"/login?next={quote(here, safe='')}", replace=True)

    @rx.event
    async def clear_messages(self):
        """Forget the previous form's message when a form page opens; remember where to return."""
        self.login_error = ""
        self.register_error = ""
        target = self._next_path()
        self.next_query = f"?next={quote(target, safe='')}" if target != "/" else ""

    @rx.event
    async def log_in(self, form_data: dict):
        """Check the credentials and swap them for an HttpOnly session cookie."""
        self.login_error = ""
        try:
            fields = form_fields(form_data, ("username", "password"))
        except FormError as exc:
            self.login_error = str(exc)
            return None
        code, retry_after = await run_password_work(
            _log_in_sync,
            fields["username"],
            fields["password"],
            self.router.session.client_ip,
            self._next_path(),
            await self._visitor_token(),
        )
        if not code:
            self.login_error = (
                f"Too many failed attempts. Try again in {retry_after} "
                f"second{'s' if retry_after != 1 else ''}."
                if retry_after
                else INVALID_LOGIN
            )
            return None
        await self._forget_visitor_cart()
        return _navigate(_backend_url(COOKIE_ENDPOINT, {"code": code}))

    @rx.event
    async def register(self, form_data: dict):
        """Create the account, then log in as it."""
        self.register_error = ""
        try:
            fields = form_fields(form_data, ("username", "password", "confirm_password"))
            if fields["password"] != fields["confirm_password"]:
                raise FormError("Passwords do not match.")
            code = await run_password_work(
                _register_sync,
                fields["username"],
                fields["password"],
                self._next_path(),
                await self._visitor_token(),
            )
        except (FormError, PolicyError, UsernameTaken) as exc:
            self.register_error = str(exc)
            return None
        await self._forget_visitor_cart()
        return _navigate(_backend_url(COOKIE_ENDPOINT, {"code": code}))

    @rx.event
    async def log_out(self):
        """End the session everywhere at once, then drop the cookie."""
        token = session_token(self)
        if token:
            await asyncio.to_thread(_revoke_sync, token)
        self.username = ""
        return _navigate(_backend_url(LOGOUT_ENDPOINT))
