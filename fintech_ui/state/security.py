"""The security page (change password, active sessions) and the password-reset page."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx

from fintech_ui import routes
from fintech_ui.db import Busy, now, run
from fintech_ui.security import PolicyError
from fintech_ui.services import accounts, sessions
from fintech_ui.settings import get_settings
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import SESSION_ENDED, forget_user, private, session_token

PASSWORDS_DIFFER = "The new passwords do not match."
KIND_LABELS = {"browser": "Browser", "api": "API"}


@dataclasses.dataclass
class SessionRow:
    """One live login of the user, formatted for the list."""

    id: int = 0
    kind: str = ""
    address: str = ""
    started: str = ""
    last_seen: str = ""
    this_device: bool = False


def _time(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%d %b %Y %H:%M UTC")


def _row(view: sessions.SessionView) -> SessionRow:
    return SessionRow(
        id=view.id,
        kind=KIND_LABELS.get(view.kind, view.kind),
        address=view.address or "unknown",
        started=_time(view.started_at),
        last_seen=_time(view.last_seen_at),
        this_device=view.this_device,
    )


@private(lambda state: state.reset())
class SecurityState(rx.State):
    """Change password and the list of live sessions, for the logged-in user only."""

    sessions: list[SessionRow] = []
    loaded: bool = False
    password_error: str = ""
    password_message: str = ""
    sessions_message: str = ""
    changing: bool = False

    async def _ended(self) -> None:
        await forget_user(self)
        self.password_error = SESSION_ENDED

    async def _refresh(self) -> bool:
        try:
            views = await run(
                sessions.sessions_of,
                token=session_token(self),
                settings=get_settings(),
                now=now(),
                read_only=True,
            )
        except sessions.SessionEnded:
            await self._ended()
            return False
        self.sessions = [_row(view) for view in views]
        self.loaded = True
        return True

    @rx.event
    async def load(self):
        """The live sessions; nothing at all without a live session."""
        self.password_error = self.password_message = self.sessions_message = ""
        self.changing = False
        await self._refresh()

    @rx.event
    async def change_password(self, form_data: object):
        """Set a new password (the registration policy) after the current one; every other
        session ends at once, this one stays."""
        if self.changing:
            return
        self.password_error = self.password_message = self.sessions_message = ""
        try:
            fields = form_fields(
                form_data, ("current_password", "new_password", "confirm_new_password")
            )
            if fields["new_password"] != fields["confirm_new_password"]:
                raise FormError(PASSWORDS_DIFFER)
        except FormError as exc:
            self.password_error = str(exc)
            return
        self.changing = True
        yield
        try:
            changed = await run(
                accounts.change_own_password,
                token=session_token(self),
                current_password=fields["current_password"],
                new_password=fields["new_password"],
                settings=get_settings(),
                now=now(),
                passwords=True,
            )
        except sessions.SessionEnded:
            await self._ended()
            return
        except (
            PolicyError,
            accounts.WrongPassword,
            accounts.PasswordChangeThrottled,
            Busy,
        ) as exc:
            self.password_error = str(exc)
            return
        finally:
            self.changing = False
        ended = changed.sessions_ended
        self.password_message = "Password changed" + (
            f". {ended} other session{'s' if ended != 1 else ''} ended." if ended else "."
        )
        await self._refresh()
        yield [
            rx.set_value("current_password", ""),
            rx.set_value("new_password", ""),
            rx.set_value("confirm_new_password", ""),
        ]

    @rx.event
    async def end_session(self, session_id: object):
        """End one of the user's sessions (this one: a log-out)."""
        self.sessions_message = ""
        if type(session_id) is not int:
            self.sessions_message = "That session is not in the list."
            return None
        this = next((row.id for row in self.sessions if row.this_device), None)
        try:
            ended = await run(
                sessions.end_own_session,
                token=session_token(self),
                session_id=session_id,
                settings=get_settings(),
                now=now(),
            )
        except sessions.SessionEnded:
            await self._ended()
            return None
        if ended and session_id == this:
            await forget_user(self)
            return rx.redirect(routes.LOGIN)
        self.sessions_message = "Session ended." if ended else "That session had already ended."
        await self._refresh()
        return None

    @rx.event
    async def end_other_sessions(self):
        """Log out every other browser and API token of the user."""
        self.sessions_message = ""
        try:
            ended = await run(
                sessions.end_sessions_but_this,
                token=session_token(self),
                settings=get_settings(),
                now=now(),
            )
        except sessions.SessionEnded:
            await self._ended()
            return
        self.sessions_message = (
            f"{ended} other session{'s' if ended != 1 else ''} ended."
            if ended
            else "No other sessions were open."
        )
        await self._refresh()


class ResetPasswordState(rx.State):
    """The page of an operator's single-use reset link (no login needed: the link is it)."""

    reset_error: str = ""
    reset_done: bool = False
    setting: bool = False

    @rx.event
    def open_page(self):
        """A fresh form each time the link is opened."""
        self.reset_error, self.reset_done, self.setting = "", False, False

    @rx.event
    async def set_password(self, form_data: object):
        """Set the new password with the link's token; every session of the user ends."""
        if self.setting:
            return
        self.reset_error = ""
        try:
            fields = form_fields(form_data, ("new_password", "confirm_new_password"))
            if fields["new_password"] != fields["confirm_new_password"]:
                raise FormError(PASSWORDS_DIFFER)
        except FormError as exc:
            self.reset_error = str(exc)
            return
        self.setting = True
        yield
        try:
            await run(
                accounts.reset_password,
                token=self.router.url.query_parameters.get("token", ""),
                new_password=fields["new_password"],
                settings=get_settings(),
                now=now(),
                passwords=True,
            )
        except (PolicyError, accounts.ResetTokenInvalid, Busy) as exc:
            self.reset_error = str(exc)
            return
        finally:
            self.setting = False
        self.reset_done = True
        # Whoever was logged in on this browser was logged out with every other session.
        await forget_user(self)
