"""The account page's data, loaded only for a live session."""

from __future__ import annotations

import datetime as dt

import reflex as rx

from fintech_ui.state.session import current_user


class AccountState(rx.State):
    """What the account page shows about the logged-in investor."""

    account_name: str = ""
    member_since: str = ""

    @rx.event
    async def load(self):
        """Fill the page from the database; nothing at all without a live session."""
        user = await current_user(self)
        if user is None:
            self.account_name = ""
            self.member_since = ""
            return None
        self.account_name = user.username
        self.member_since = dt.datetime.fromtimestamp(user.created_at, dt.UTC).strftime("%d %B %Y")
        return None
