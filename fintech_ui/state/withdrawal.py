"""Withdrawals on the account page: cash out to the (simulated) bank account."""

from __future__ import annotations

import secrets

import reflex as rx

from fintech_ui.db import now, run
from fintech_ui.money import MoneyError, format_cents
from fintech_ui.services import trading
from fintech_ui.state.account import AccountState
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import current_user, private


def _new_request_id() -> str:
    return secrets.token_urlsafe(24)


@private(lambda state: state.reset())
class WithdrawalState(rx.State):
    """The withdrawal form. Its hidden request id is the idempotency key of one submission:
    a double click or a replayed event carries the same id and withdraws once."""

    request_id: str = ""
    withdrawal_error: str = ""
    withdrawal_message: str = ""

    @rx.event
    def load(self):
        """A fresh form each time the account page opens."""
        self.request_id = _new_request_id()
        self.withdrawal_error = self.withdrawal_message = ""

    @rx.event
    async def withdraw(self, form_data: object):
        """Send the typed amount to the bank account: within the balance and the daily limit."""
        self.withdrawal_error = self.withdrawal_message = ""
        user = await current_user(self)
        if user is None:
            self.request_id = ""
            self.withdrawal_error = "Your session has ended. Log in again."
            return None
        try:
            fields = form_fields(form_data, ("withdrawal_amount", "request_id"))
            out = await run(
                trading.withdraw_amount,
                user_id=user.id,
                amount=fields["withdrawal_amount"],
                idempotency_key=fields["request_id"],
                now=now(),
            )
        except (FormError, MoneyError, trading.TradingError) as exc:
            self.withdrawal_error = str(exc)
            return None
        self.request_id = _new_request_id()
        self.withdrawal_message = (
            f"{format_cents(out.amount_cents)} sent to your bank account. "
            f"Your balance is {format_cents(out.balance_cents)}."
        )
        return [rx.set_value("withdrawal_amount", ""), AccountState.load]
