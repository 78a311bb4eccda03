"""The investor's portfolio: holdings, totals, three charts and selling. Needs a login."""

import reflex as rx

from fintech_ui import routes
from fintech_ui.components.charts import (
    VISUALLY_HIDDEN,
    bar_chart,
    chart_card,
    donut_chart,
    hidden_table,
    line_chart,
)
from fintech_ui.components.forms import form_error
from fintech_ui.components.layout import page_frame
from fintech_ui.state.portfolio import HoldingRow, PortfolioState

ROUTE = routes.PORTFOLIO


def _figure(label: str, value: rx.Var, note: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.text(value, size="6", weight="bold"),
            rx.cond(note != "", rx.text(note, size="1", color_scheme="gray")),
            spacing="1",
        ),
        flex="1 1 150px",
    )


def _totals() -> rx.Component:
    return rx.flex(
        _figure("Cash", PortfolioState.cash),
        _figure("Holdings value", PortfolioState.holdings_value),
        _figure("Total value", PortfolioState.total_value),
        _figure("Return (1 year)", PortfolioState.return_1y, "time-weighted"),
        _figure("Volatility (1 year)", PortfolioState.volatility, "annualised"),
        wrap="wrap",
        spacing="3",
        width="100%",
    )


WIDE_ONLY = rx.breakpoints(initial="none", sm="table-cell")  # hidden below 576 px


def _holding_row(row: HoldingRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.name, href=routes.PRODUCT_PREFIX + row.sku)),
        rx.table.cell(row.units, text_align="right"),
        rx.table.cell(row.average_cost, text_align="right", display=WIDE_ONLY),
        rx.table.cell(row.price, text_align="right", display=WIDE_ONLY),
        rx.table.cell(row.value, text_align="right"),
        rx.table.cell(
            rx.vstack(
                rx.text(row.gain, white_space="nowrap"),
                rx.text(row.gain_pct, size="1", white_space="nowrap"),
                spacing="0",
                align="end",
                color=rx.cond(row.gain_positive, "var(--green-11)", "var(--red-11)"),
            ),
            text_align="right",
        ),
        rx.table.cell(
            rx.button(
                "Sell",
                on_click=PortfolioState.open_sale(row.item_id),
                variant="soft",
                size="1",
                aria_label="Sell " + row.name,
            )
        ),
        align="center",
    )


def _holdings_table() -> rx.Component:
    def header(label: str, *, wide_only: bool = False, right: bool = True) -> rx.Component:
        return rx.table.column_header_cell(
            label,
            text_align="right" if right else "left",
            display=WIDE_ONLY if wide_only else None,
        )

    return rx.table.root(
        rx.table.header(
            rx.table.row(
                header("Product", right=False),
                header("Units"),
                header("Average cost", wide_only=True),
                header("Price", wide_only=True),
                header("Value"),
                header("Gain/Loss"),
                rx.table.column_header_cell(rx.el.span("Actions", style=VISUALLY_HIDDEN)),
            )
        ),
        rx.table.body(rx.foreach(PortfolioState.holdings, _holding_row)),
        variant="surface",
        width="100%",
        size=rx.breakpoints(initial="1", sm="2"),
    )


def _holdings() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Holdings", size="4", as_="h2"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=16),
                "Download holdings CSV",
                on_click=PortfolioState.download_holdings,
                variant="soft",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.box(_holdings_table(), width="100%", overflow_x="auto"),
        rx.text(
            "Average cost and today's price are in the CSV and on wider screens.",
            size="1",
            color_scheme="gray",
            display=rx.breakpoints(initial="block", sm="none"),
        ),
        rx.text(
            "Average cost: what you paid for the units you still hold, divided by their number "
            "(average-cost method); a sale takes its units' share of that cost, and the "
            "difference from the sale price is your realised gain (",
            PortfolioState.realised_gain,
            " so far).",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
    )


def _charts() -> rx.Component:
    return rx.grid(
        chart_card(
            "Allocation by category",
            donut_chart(PortfolioState.allocation),
            rx.vstack(
                rx.foreach(
                    PortfolioState.allocation_rows,
                    lambda row: rx.text(
                        row.label, ": ", row.first, " (", row.second, ")", size="2"
                    ),
                ),
                spacing="1",
            ),
        ),
        chart_card(
            "Total value over the past year",
            line_chart(
                PortfolioState.value_points, "date", [("Total", "#3e63dd"), ("Cash", "#8b8d98")]
            ),
            rx.text(PortfolioState.value_caption, size="2", color_scheme="gray"),
        ),
        chart_card(
            "Money in and out per month",
            bar_chart(
                PortfolioState.flows,
                "month",
                [
                    ("Deposits", "#30a46c"),
                    ("Purchases", "#3e63dd"),
                    ("Sales", "#f76b15"),
                    ("Withdrawals", "#e5484d"),
                ],
            ),
            hidden_table(
                "Money in and out per month",
                ["Month", "Deposits", "Purchases", "Sales", "Withdrawals"],
                PortfolioState.flow_rows,
                lambda row: [row.label, row.first, row.second, row.third, row.fourth],
            ),
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _sale_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            # Radix's title is a Heading, an <h1> unless told: the page keeps its one h1
            rx.dialog.title("Sell ", PortfolioState.sale_name, custom_attrs={"as": "h2"}),
            rx.dialog.description(
                "You hold ",
                PortfolioState.sale_held,
                " units. They sell at today's price of ",
                PortfolioState.sale_price,
                " each; the money goes to your balance.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Units", html_for="units", style={"fontWeight": "500", "fontSize": "14px"}
                    ),
                    rx.input(
                        id="units",
                        name="units",
                        input_mode="numeric",
                        placeholder="1",
                        required=True,
                        size="3",
                        width="100%",
                        aria_invalid=rx.cond(PortfolioState.sale_error != "", "true", "false"),
                        aria_describedby=rx.cond(PortfolioState.sale_error != "", "sale-error", ""),
                    ),
                    rx.el.input(
                        type="hidden", name="request_id", value=PortfolioState.sale_request_id
                    ),
                    form_error(PortfolioState.sale_error, error_id="sale-error"),
                    rx.hstack(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=PortfolioState.close_sale,
                        ),
                        rx.button("Confirm sale", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="1rem",
                ),
                on_submit=PortfolioState.confirm_sale,
            ),
            max_width="420px",
        ),
        open=PortfolioState.sale_open,
        on_open_change=PortfolioState.sale_dialog_changed,
    )


def _empty() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("You do not own any products yet", size="4", as_="h2"),
            rx.text(
                "Start in three steps: add money on your account page, choose products in the "
                "catalogue and buy them from your cart. They then appear here with what they "
                "cost, what they are worth today and how your account has grown.",
                size="2",
            ),
            rx.hstack(
                rx.link("Add money", href=routes.ACCOUNT),
                rx.link("Browse the catalogue", href="/"),
                spacing="4",
            ),
            spacing="3",
        ),
        size="3",
        width="100%",
    )


def portfolio_page() -> rx.Component:
    """Totals, holdings with their sell buttons, then the charts."""
    return page_frame(
        rx.cond(
            PortfolioState.loaded,
            rx.vstack(
                rx.heading("Portfolio", size="7", as_="h1"),
                rx.cond(
                    PortfolioState.message != "",
                    rx.callout(
                        PortfolioState.message,
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        width="100%",
                    ),
                ),
                _totals(),
                rx.cond(PortfolioState.holdings.length() > 0, _holdings(), _empty()),
                rx.cond(PortfolioState.value_points.length() > 0, _charts()),
                _sale_dialog(),
                spacing="5",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="4rem"),
        )
    )
