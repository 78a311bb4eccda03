"""The withdrawal card of the account page."""

import reflex as rx

from fintech_ui.components.forms import form_error, labelled_input
from fintech_ui.state.withdrawal import WithdrawalState


def withdrawal_form() -> rx.Component:
    """ "Withdrawal amount" and "Withdraw", with the daily limit spelled out."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Withdraw money", size="4", as_="h2"),
                labelled_input(
                    "Withdrawal amount",
                    "withdrawal_amount",
                    input_mode="decimal",
                    placeholder="50.00",
                    required=True,
                    error=WithdrawalState.withdrawal_error,
                    error_id="withdrawal-error",
                ),
                rx.el.input(type="hidden", name="request_id", value=WithdrawalState.request_id),
                rx.text(
                    "To your bank account (simulated), up to your balance and $50,000.00 a day.",
                    size="1",
                    color_scheme="gray",
                ),
                form_error(WithdrawalState.withdrawal_error, error_id="withdrawal-error"),
                rx.cond(
                    WithdrawalState.withdrawal_message != "",
                    rx.callout(
                        WithdrawalState.withdrawal_message,
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        width="100%",
                    ),
                ),
                rx.button("Withdraw", type="submit", width="100%", variant="outline"),
                spacing="3",
            ),
            on_submit=WithdrawalState.withdraw,
        ),
        size="3",
        min_width="300px",
        flex="1",
    )
