"""The investor's account: balance, deposits and the statement. Needs a login."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.forms import form_card, labelled_input, submit_button
from fintech_ui.components.layout import page_frame
from fintech_ui.components.table import cell, data_table
from fintech_ui.components.withdrawal_form import withdrawal_form
from fintech_ui.state.account import AccountState, StatementRow

ROUTE = routes.ACCOUNT


def _deposit_form() -> rx.Component:
    return form_card(
        "Add money",
        labelled_input(
            "Amount",
            "amount",
            input_mode="decimal",
            placeholder="100.00",
            required=True,
            hint="From $0.01 to $10,000.00 per deposit (simulated top-up).",
            error=AccountState.deposit_error,
            error_id="deposit-error",
        ),
        rx.el.input(
            type="hidden", name="deposit_request_id", value=AccountState.deposit_request_id
        ),
        error=AccountState.deposit_error,
        error_id="deposit-error",
        message=AccountState.deposit_message,
        submit=submit_button("Deposit", busy=AccountState.depositing),
        on_submit=AccountState.deposit,
    )


def _statement_row(row: StatementRow) -> rx.Component:
    return rx.table.row(
        cell("Date", rx.text(row.date, class_name="nowrap")),
        cell(
            "Type",
            rx.cond(
                row.order_id > 0,
                rx.link(
                    row.kind,
                    " · order #",
                    row.order_id,
                    href=routes.ORDER_PREFIX + row.order_id.to(str),
                ),
                rx.cond(
                    row.sale_id > 0,
                    rx.text(row.kind, " · order #", row.sale_id),
                    rx.text(row.kind),
                ),
            ),
        ),
        cell(
            "Amount",
            rx.text(
                row.amount, color_scheme=rx.cond(row.credit, "green", "gray"), class_name="nowrap"
            ),
        ),
        cell("Balance", rx.text(row.balance, class_name="nowrap")),
    )


def _statement() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Statement", size="4", as_="h2"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=16),
                "Download CSV",
                on_click=AccountState.download_statement,
                variant="soft",
            ),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            AccountState.export_message != "",
            rx.callout(AccountState.export_message, icon="info", role="status", width="100%"),
        ),
        rx.cond(
            AccountState.statement.length() > 0,
            data_table(
                ["Date", "Type", "Amount", "Balance"], AccountState.statement, _statement_row
            ),
            rx.text("No transactions yet. Add money to start investing.", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def account_page() -> rx.Component:
    """Balance and deposit form side by side, the statement below."""
    return page_frame(
        rx.cond(
            AccountState.account_name != "",
            rx.vstack(
                rx.flex(
                    rx.heading("Your account", size="7", as_="h1"),
                    rx.spacer(),
                    rx.link(
                        rx.icon("shield", size=16),
                        "Password and sessions",
                        href=routes.ACCOUNT_SECURITY,
                        display="inline-flex",
                        align_items="center",
                        gap="0.375rem",
                    ),
                    width="100%",
                    align="center",
                    wrap="wrap",
                    spacing="3",
                ),
                rx.flex(
                    rx.card(
                        rx.vstack(
                            # One heading, named with the amount: "Balance: $500.00".
                            rx.el.h2(
                                rx.text("Balance", size="2", color_scheme="gray", as_="span"),
                                rx.text(
                                    AccountState.balance,
                                    size="8",
                                    weight="bold",
                                    as_="span",
                                    display="block",
                                    id="balance-amount",
                                ),
                                aria_label="Balance: " + AccountState.balance,
                                margin="0",
                                font_weight="normal",
                            ),
                            rx.text(
                                AccountState.account_name,
                                " · member since ",
                                AccountState.member_since,
                                size="2",
                                color_scheme="gray",
                            ),
                            spacing="2",
                        ),
                        size="3",
                        flex="1 1 240px",
                    ),
                    _deposit_form(),
                    withdrawal_form(),
                    spacing="4",
                    wrap="wrap",
                    width="100%",
                ),
                _statement(),
                spacing="5",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        )
    )
