"""Back office, users: search, figures per user, and the Disable/Enable buttons."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

import reflex as rx

from fintech_ui.db import now
from fintech_ui.money import format_cents
from fintech_ui.services import admin_users
from fintech_ui.state.admin import DENIED, AdminSearchSection, Refused, admin_call
from fintech_ui.state.session import private


@dataclasses.dataclass
class AdminUserRow:
    """A user in the back office's list, formatted."""

    id: int = 0
    username: str = ""
    role: str = ""
    active: bool = True
    status: str = ""
    joined: str = ""
    balance: str = ""
    orders: int = 0
    sessions: int = 0


def _row(view: admin_users.AdminUser) -> AdminUserRow:
    return AdminUserRow(
        id=view.id,
        username=view.username,
        role=view.role,
        active=view.is_active,
        status="Active" if view.is_active else "Disabled",
        joined=dt.datetime.fromtimestamp(view.created_at, dt.UTC).strftime("%Y-%m-%d"),
        balance=format_cents(view.balance_cents),
        orders=view.orders,
        sessions=view.sessions,
    )


@private(lambda state: state.reset())
class AdminUsersState(AdminSearchSection, rx.State):
    """The users section."""

    SEARCH_ACTION: ClassVar[str] = "users.search"
    SEARCH_MAX: ClassVar[int] = 64

    rows: list[AdminUserRow] = []
    message: str = ""

    def _deny(self) -> None:
        self.rows, self.message, self.error = [], "", DENIED

    async def _refresh(self) -> None:
        views = await admin_call(
            self, "users.list", None, admin_users.search_users, search=self.search, now=now()
        )
        self.rows = [_row(view) for view in views]

    @rx.event
    async def set_active(self, user_id, active):
        """Enable a user, or disable them and end all their sessions at once."""
        if type(user_id) is not int or type(active) is not bool:
            await self._deny_if_refused("users.set_active", [user_id, active])
            return
        view = await self._ask(
            "users.enable" if active else "users.disable",
            {"user_id": user_id},
            admin_users.set_user_active,
            user_id=user_id,
            active=active,
            now=now(),
        )
        if isinstance(view, Refused):
            self.message = ""
            return
        self.error = ""
        self.message = f"{'Enabled' if active else 'Disabled'} {view.username}."
        await self._refresh()
