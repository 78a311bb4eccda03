"""The account page: balance, statement, deposits. Loaded only for a live session."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx
from sqlmodel import Session

from fintech_ui.money import MoneyError, format_cents, parse_amount
from fintech_ui.services import ledger
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import current_user, now, run_db

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


def _account_view(db: Session, user_id: int) -> tuple[int, list]:
    return ledger.balance_cents(db, user_id=user_id), ledger.statement(db, user_id=user_id)


class AccountState(rx.State):
    """What the account page shows about the logged-in investor."""

    account_name: str = ""
    member_since: str = ""
    balance: str = ""
    statement: list[StatementRow] = []
    deposit_error: str = ""
    deposit_message: str = ""

    async def _load_for(self, user) -> None:
        balance_cents, entries = await run_db(_account_view, user.id, read_only=True)
        self.account_name = user.username
        self.member_since = dt.datetime.fromtimestamp(user.created_at, dt.UTC).strftime("%d %B %Y")
        self.balance = format_cents(balance_cents)
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
            for e in entries
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
        await self._load_for(user)
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
        await run_db(ledger.deposit, user_id=user.id, amount_cents=amount, now=now())
        await self._load_for(user)
        self.deposit_message = f"{format_cents(amount)} added to your balance."
        return rx.set_value("amount", "")

    @rx.event
    async def download_statement(self):
        """The whole statement as a CSV file."""
        user = await current_user(self)
        if user is None:
            self._clear()
            return None
        entries = await run_db(ledger.statement, user_id=user.id, limit=100_000, read_only=True)
        return rx.download(
            data=ledger.statement_csv(entries),
            filename="fintech-statement.csv",
            mime_type="text/csv",
        )
