"""The account page: balance, statement, deposits. Loaded only for a live session."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

import reflex as rx

from fintech_ui.db import now, run
from fintech_ui.money import MoneyError, format_cents, parse_amount
from fintech_ui.services import ledger
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import SESSION_ENDED, current_user, forget_user, private

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


def _new_request_id() -> str:
    return secrets.token_urlsafe(24)


@private(lambda state: state.reset())
class AccountState(rx.State):
    """What the account page shows about the logged-in investor."""

    account_name: str = ""
    member_since: str = ""
    balance: str = ""
    statement: list[StatementRow] = []
    deposit_error: str = ""
    deposit_message: str = ""
    # The idempotency key of one deposit form submission (a hidden field): a double click or
    # a replayed event carries the same id and credits once; a new one after each success.
    deposit_request_id: str = ""
    depositing: bool = False
    export_message: str = ""

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

    async def _session_ended(self, message: str = "") -> None:
        await forget_user(self)
        self.deposit_error = message

    @rx.event
    async def load(self):
        """Fill the page from the database; nothing at all without a live session."""
        self.deposit_error = self.deposit_message = self.export_message = ""
        self.depositing = False
        self.deposit_request_id = _new_request_id()
        user = await current_user(self)
        if user is None:
            await self._session_ended()
            return None
        self._show(await run(ledger.account_summary, user_id=user.id, read_only=True))
        return None

    @rx.event
    async def deposit(self, form_data: object):
        """Add money to the balance (a simulated top-up of $0.01 to $10,000.00), once per form
        submission; the button is disabled while it runs."""
        if self.depositing:
            return
        self.deposit_error = self.deposit_message = ""
        user = await current_user(self)
        if user is None:
            await self._session_ended(SESSION_ENDED)
            return
        try:
            fields = form_fields(form_data, ("amount", "deposit_request_id"))
            amount = parse_amount(
                fields["amount"],
                min_cents=ledger.MIN_DEPOSIT_CENTS,
                max_cents=ledger.MAX_DEPOSIT_CENTS,
            )
        except (FormError, MoneyError) as exc:
            self.deposit_error = str(exc)
            return
        self.depositing = True
        yield
        try:
            made = await run(
                ledger.top_up,
                user_id=user.id,
                amount_cents=amount,
                idempotency_key=fields["deposit_request_id"],
                now=now(),
            )
        except ledger.DepositError as exc:
            self.deposit_error = str(exc)
            return
        finally:
            self.depositing = False
        self._show(made.account)
        self.deposit_request_id = _new_request_id()
        self.deposit_message = f"{format_cents(made.deposit.amount_cents)} added to your balance."
        yield rx.set_value("amount", "")

    @rx.event
    async def download_statement(self):
        """The statement as a CSV file, built off the event loop; the newest 10,000 entries."""
        self.export_message = ""
        user = await current_user(self)
        if user is None:
            await self._session_ended()
            return None
        export = await run(ledger.statement_export, user_id=user.id, read_only=True)
        if export.capped:
            self.export_message = (
                f"The file holds your newest {export.rows:,} entries only; older ones are left out."
            )
        return rx.download(data=export.csv, filename="fintech-statement.csv", mime_type="text/csv")
