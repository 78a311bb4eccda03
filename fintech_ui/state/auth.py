"""Register, log in and log out; the navigation bar's idea of who is logged in."""

from __future__ import annotations

import json

import reflex as rx

from fintech_ui import routes
from fintech_ui.db import Busy, now, run
from fintech_ui.security import PolicyError, safe_next_path
from fintech_ui.services import accounts, sessions
from fintech_ui.settings import get_settings
from fintech_ui.state.cart import CartState
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import (
    current_user,
    device_token,
    forget_user,
    login_nonce,
    private,
    session_token,
)

NO_NONCE = (
    "Your browser did not keep this site's login cookie. Allow cookies for this site, "
    "then reload the page."
)


def _backend_url(path: str) -> str:
    config = rx.config.get_config()
    if routes.served_together(config.deploy_url, config.api_url):
        return path  # this page's own server, under the host name the browser used
    return config.api_url.rstrip("/") + path


def _navigate(url: str) -> rx.event.EventSpec:
    # A full page load, not a client-side route change: the cookie endpoint lives on the
    # backend, and the reloaded page's websocket must carry the new cookie.
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def _post(url: str) -> rx.event.EventSpec:
    # A real form POST (log-out): the browser sends its Origin, which the endpoint checks,
    # and follows the answer's redirect as a full page load.
    return rx.call_script(
        "(() => { const f = document.createElement('form'); f.method = 'post'; "
        f"f.action = {json.dumps(url)}; f.style.display = 'none'; "
        "document.body.appendChild(f); f.submit(); })()"
    )


@private(lambda state: setattr(state, "username", ""))
class AuthState(rx.State):
    """The logged-in username for display, and the messages of the account forms."""

    username: str = ""
    # "?next=…", carried between the login and register forms so both return to that page
    next_query: str = ""
    login_error: str = ""
    register_error: str = ""

    def _next_path(self) -> str:
        return safe_next_path(self.router.url.query_parameters.get("next"), routes.INDEX)

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
        path = url.path.rstrip("/") or routes.INDEX
        here = safe_next_path(path + (f"?{url.query}" if url.query else ""), routes.INDEX)
        return rx.redirect(routes.login(next=here), replace=True)

    @rx.event
    async def clear_messages(self):
        """Forget the previous form's message when a form page opens; remember where to return.

        A browser without a login nonce (pages served by the dev server) fetches one first.
        """
        self.login_error = ""
        self.register_error = ""
        self.next_query = routes.next_query(self._next_path())
        if sessions.valid_login_nonce(login_nonce(self)):
            return None
        if self.router.url.query_parameters.get("cookies"):
            self.login_error = self.register_error = NO_NONCE
            return None
        url = self.router.url
        here = safe_next_path(
            (url.path.rstrip("/") or routes.LOGIN) + (f"?{url.query}" if url.query else ""),
            routes.LOGIN,
        )
        return _navigate(_backend_url(routes.auth_nonce(here)))

    @rx.event
    async def log_in(self, form_data: object):
        """Check the credentials and swap them for an HttpOnly session cookie in this browser."""
        self.login_error = ""
        nonce = login_nonce(self)
        try:
            fields = form_fields(form_data, ("username", "password"))
            if not sessions.valid_login_nonce(nonce):
                raise FormError(NO_NONCE)
            result = await run(
                accounts.log_in,
                username=fields["username"],
                password=fields["password"],
                address=self.router.session.client_ip,
                visitor_token=await self._visitor_token(),
                next_path=self._next_path(),
                browser_nonce=nonce,
                device_token=device_token(self),
                settings=get_settings(),
                now=now(),
                passwords=True,
            )
        except (FormError, Busy) as exc:
            self.login_error = str(exc)
            return None
        if result.user is None:
            wait = result.retry_after
            self.login_error = (
                f"Too many failed attempts. Try again in {wait} second{'s' if wait != 1 else ''}."
                if wait
                else accounts.INVALID_LOGIN
            )
            return None
        await self._forget_visitor_cart()
        return _navigate(_backend_url(routes.auth_session(result.login_code)))

    @rx.event
    async def register(self, form_data: object):
        """Create the account, then log in as it (in this browser only)."""
        self.register_error = ""
        nonce = login_nonce(self)
        try:
            fields = form_fields(form_data, ("username", "password", "confirm_password"))
            if fields["password"] != fields["confirm_password"]:
                raise FormError("Passwords do not match.")
            if not sessions.valid_login_nonce(nonce):
                raise FormError(NO_NONCE)
            result = await run(
                accounts.register_and_log_in,
                username=fields["username"],
                password=fields["password"],
                address=self.router.session.client_ip,
                visitor_token=await self._visitor_token(),
                next_path=self._next_path(),
                browser_nonce=nonce,
                settings=get_settings(),
                now=now(),
                passwords=True,
            )
        except (
            FormError,
            PolicyError,
            accounts.UsernameTaken,
            accounts.RegistrationThrottled,
            Busy,
        ) as exc:
            self.register_error = str(exc)
            return None
        await self._forget_visitor_cart()
        return _navigate(_backend_url(routes.auth_session(result.login_code)))

    @rx.event
    async def log_out(self):
        """End the session everywhere at once, empty every page of this tab, drop the cookie.

        The cookie endpoint (a POST that checks Origin) revokes the session as well: a log-out
        whose websocket event was lost still ends it.
        """
        token = session_token(self)
        if token:
            await run(sessions.log_out, token=token, settings=get_settings(), now=now())
        await forget_user(self)
        self.username = ""
        return _post(_backend_url(routes.AUTH_LOGOUT))
