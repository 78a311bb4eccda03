"""The withdrawal card of the account page."""

import reflex as rx

from fintech_ui.components.forms import form_card, labelled_input, submit_button
from fintech_ui.state.withdrawal import WithdrawalState


def withdrawal_form() -> rx.Component:
    """ "Withdrawal amount" and "Withdraw", with the daily limit spelled out."""
    return form_card(
        "Withdraw money",
        labelled_input(
            "Withdrawal amount",
            "withdrawal_amount",
            input_mode="decimal",
            placeholder="50.00",
            required=True,
            hint="To your bank account (simulated): up to your balance, $50,000.00 a day.",
            error=WithdrawalState.withdrawal_error,
            error_id="withdrawal-error",
        ),
        rx.el.input(type="hidden", name="request_id", value=WithdrawalState.request_id),
        error=WithdrawalState.withdrawal_error,
        error_id="withdrawal-error",
        message=WithdrawalState.withdrawal_message,
        submit=submit_button("Withdraw", variant="outline"),
        on_submit=WithdrawalState.withdraw,
    )
