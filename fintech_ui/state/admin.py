"""The back office's gate: who may see /admin, and the one way its handlers reach a use case.

Every admin handler goes through `admin_call`, which names the session's user to the use case;
the use case re-reads the role in the database (services/admin_access.require_admin). A
refusal is written to the audit log in a transaction of its own and the handler clears what
it shows. Vars never prove anything: any handler can be called by name with any payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import reflex as rx

from fintech_ui import routes
from fintech_ui.db import now, run
from fintech_ui.errors import DomainError
from fintech_ui.services.admin_access import (
    NotAuthorized,
    is_admin,
    record_denied,
    require_admin,
)
from fintech_ui.state.live import register_tab
from fintech_ui.state.session import current_user, private

T = TypeVar("T")
DENIED = "Only an administrator can do that."
SECTIONS = ("products", "users", "orders", "audit", "analytics")


class Refused:
    """The type of REFUSED: what AdminSection._ask answers when the section said no."""


REFUSED = Refused()


async def admin_call(
    state: rx.State, action: str, payload: object, use_case: Callable[..., T], **kwargs: Any
) -> T:
    """`use_case(actor_id=<session user>, **kwargs)`; NotAuthorized for anyone else (audited
    for logged-in customers)."""
    user = await current_user(state)
    if user is None:
        # Refused without a write: a visitor could otherwise fill the log anonymously.
        raise NotAuthorized()
    try:
        return await run(use_case, actor_id=user.id, **kwargs)
    except NotAuthorized:
        await run(record_denied, actor_id=user.id, action=action, payload=payload, now=now())
        raise


async def refused(state: rx.State, action: str, payload: object) -> bool:
    """True (and audited) when the caller is not an administrator: for handlers that would
    otherwise return early on a malformed payload without asking who is calling."""
    try:
        await admin_call(state, action, payload, require_admin)
    except NotAuthorized:
        return True
    return False


class AdminSection(rx.State, mixin=True):
    """What every back-office section shares: `load`, and refusing as one.

    A section defines `_refresh` (ask its use case through `admin_call`, set its rows) and
    `_deny` (clear all it shows, say DENIED). Every handler still asks who is calling: the
    role is re-read by the use case on each call, never taken from a var.
    """

    error: str = ""

    async def _refresh(self) -> None:
        raise NotImplementedError

    def _deny(self) -> None:
        raise NotImplementedError

    async def _refresh_or_deny(self) -> bool:
        """Refresh the list; False, and nothing shown, for anyone but an administrator."""
        try:
            await self._refresh()
        except NotAuthorized:
            self._deny()
            return False
        return True

    async def _ask(
        self, action: str, payload: object, use_case: Callable[..., T], **kwargs: Any
    ) -> T | Refused:
        """`admin_call` whose refusals the section shows itself: the answer, or REFUSED once
        a non-administrator was denied or the use case's DomainError put in `error`."""
        try:
            return await admin_call(self, action, payload, use_case, **kwargs)
        except NotAuthorized:
            self._deny()
        except DomainError as exc:
            self.error = str(exc)
        return REFUSED

    async def _deny_if_refused(self, action: str, payload: object) -> bool:
        """For a malformed payload: True, audited and cleared, when the caller is no
        administrator (an administrator's typo is not logged as an attack)."""
        if await refused(self, action, payload):
            self._deny()
            return True
        return False

    @rx.event
    async def load(self):
        """Open the section: its newest rows, with the current search or filters."""
        if await self._refresh_or_deny():
            self.error = ""


class AdminSearchSection(AdminSection, mixin=True):
    """A section whose list has a search box: `search_for`, with the section's own action
    name for the audit log and its longest accepted text."""

    SEARCH_ACTION: ClassVar[str]
    SEARCH_MAX: ClassVar[int]

    search: str = ""

    @rx.event
    async def search_for(self, value):
        """Show the rows that contain the text."""
        if not isinstance(value, str) or len(value) > self.SEARCH_MAX:
            await self._deny_if_refused(self.SEARCH_ACTION, value)
            return
        self.search = value
        await self._refresh_or_deny()


@private(lambda state: state.reset())
class AdminState(rx.State):
    """Whether this tab may show the back office, which section is open, and the nav link."""

    is_admin: bool = False
    checked: bool = False
    section: str = "products"

    @rx.event
    async def sync_link(self):
        """On every page load: show the Admin link only to administrators (the back office
        checks again itself) and register the tab for live updates, with one session check."""
        user = await current_user(self)
        register_tab(self, user.id if user is not None else None)
        self.is_admin = user is not None and await run(is_admin, user_id=user.id, read_only=True)

    @rx.event
    async def load(self):
        """Open /admin: visitors go to the login page; customers are refused and audited."""
        user = await current_user(self)
        register_tab(self, user.id if user is not None else None)
        self.checked = True
        if user is None:
            self.is_admin = False
            return rx.redirect(routes.login(next=routes.ADMIN), replace=True)
        self.is_admin = await run(is_admin, user_id=user.id, read_only=True)
        if not self.is_admin:
            await run(record_denied, actor_id=user.id, action="page.admin", payload=None, now=now())
            return None
        from fintech_ui.state.admin_products import AdminProductsState

        self.section = "products"
        return AdminProductsState.load

    @rx.event
    async def choose_section(self, section):
        """Open a section of the back office and load its data."""
        if not isinstance(section, str) or section not in SECTIONS:
            return None
        self.section = section
        from fintech_ui.state import (
            admin_analytics,
            admin_audit,
            admin_orders,
            admin_products,
            admin_users,
        )

        loaders = {
            "products": admin_products.AdminProductsState.load,
            "users": admin_users.AdminUsersState.load,
            "orders": admin_orders.AdminOrdersState.load,
            "audit": admin_audit.AdminAuditState.load,
            "analytics": admin_analytics.AdminAnalyticsState.load,
        }
        return loaders[section]
