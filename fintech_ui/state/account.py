"""The account page: balance, statement, deposits. Loaded only for a live session."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx

from fintech_ui.db import now, run
from fintech_ui.money import MoneyError, format_cents, parse_amount
from fintech_ui.services import ledger
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import current_user

KIND_LABELS = {
    "deposit": "Deposit",
    "purchase": "Purchase",
    "sale": "Sale",
    "withdrawal": "Withdrawal",
}


@dataclasses.dataclass
class StatementRow:
    """One ledger entry, formatted for display."""

    id: int = 0
    date: str = ""
    kind: str = ""
    order_id: int = 0
    sale_id: int = 0
    amount: str = ""
    balance: str = ""
    credit: bool = True


def _date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%d %b %Y %H:%M UTC")


class AccountState(rx.State):
    """What the account page shows about the logged-in investor."""

    account_name: str = ""
    member_since: str = ""
    balance: str = ""
    statement: list[StatementRow] = []
    deposit_error: str = ""
    deposit_message: str = ""

    def _show(self, summary: ledger.AccountSummary) -> None:
        self.account_name = summary.username
        self.member_since = dt.datetime.fromtimestamp(summary.member_since, dt.UTC).strftime(
            "%d %B %Y"
        )
        self.balance = format_cents(summary.balance_cents)
        self.statement = [
            StatementRow(
                id=e.id,
                date=_date(e.created_at),
                kind=KIND_LABELS[e.kind],
                order_id=e.order_id or 0,
                sale_id=e.sale_id or 0,
                amount=format_cents(e.amount_cents),
                balance=format_cents(e.balance_after_cents),
                credit=e.amount_cents > 0,
            )
            for e in summary.statement
        ]

    def _clear(self) -> None:
        self.account_name = self.member_since = self.balance = ""
        self.statement = []

    @rx.event
    async def load(self):
        """Fill the page from the database; nothing at all without a live session."""
        self.deposit_error = self.deposit_message = ""
        user = await current_user(self)
        if user is None:
            self._clear()
            return None
        self._show(await run(ledger.account_summary, user_id=user.id, read_only=True))
        return None

    @rx.event
    async def deposit(self, form_data: dict):
        """Add money to the balance (a simulated top-up of $0.01 to $10,000.00)."""
        self.deposit_error = self.deposit_message = ""
        user = await current_user(self)
        if user is None:
            self._clear()
            self.deposit_error = "Your session has ended. Log in again."
            return None
        try:
            amount = parse_amount(
                form_fields(form_data, ("amount",))["amount"],
                min_cents=ledger.MIN_DEPOSIT_CENTS,
                max_cents=ledger.MAX_DEPOSIT_CENTS,
            )
        except (FormError, MoneyError) as exc:
            self.deposit_error = str(exc)
            return None
        self._show(await run(ledger.top_up, user_id=user.id, amount_cents=amount, now=now()))
        self.deposit_message = f"{format_cents(amount)} added to your balance."
        return rx.set_value("amount", "")

    @rx.event
    async def download_statement(self):
        """The whole statement as a CSV file."""
        user = await current_user(self)
        if user is None:
            self._clear()
            return None
        return rx.download(
            data=await run(ledger.statement_export, user_id=user.id, read_only=True),
            filename="fintech-statement.csv",
            mime_type="text/csv",
        )
