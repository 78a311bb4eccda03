"""The portfolio page: holdings, totals, three charts, selling and the holdings CSV."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import reflex as rx

from fintech_ui.db import now, run
from fintech_ui.money import format_cents
from fintech_ui.services import portfolio as portfolios
from fintech_ui.services import trading
from fintech_ui.state.forms import FormError, form_fields
from fintech_ui.state.session import current_user, private

CATEGORY_LABELS = {
    "fund": "Funds",
    "bond": "Bonds",
    "stock": "Stocks",
    "crypto": "Crypto",
    "commodity": "Commodities",
}
# Radix step-9 colours, distinct for the five categories (and readable on white).
CATEGORY_COLOURS = {
    "fund": "#3e63dd",
    "bond": "#12a594",
    "stock": "#f76b15",
    "crypto": "#8e4ec6",
    "commodity": "#ad7f58",
}
MAX_UNITS_CHARS = 10


@dataclasses.dataclass
class HoldingRow:
    """One holding, formatted for the table."""

    item_id: int = 0
    sku: str = ""
    name: str = ""
    units: int = 0
    average_cost: str = ""
    price: str = ""
    value: str = ""
    gain: str = ""
    gain_pct: str = ""
    gain_positive: bool = True


@dataclasses.dataclass
class TextRow:
    """A row of a chart's text alternative: a label and its figures."""

    label: str = ""
    first: str = ""
    second: str = ""
    third: str = ""
    fourth: str = ""


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + format_cents(cents)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f} %"


def _holding_row(h: portfolios.HoldingView) -> HoldingRow:
    return HoldingRow(
        item_id=h.item_id,
        sku=h.sku,
        name=h.name,
        units=h.units,
        average_cost=format_cents(h.average_cost_cents),
        price=format_cents(h.price_cents),
        value=format_cents(h.value_cents),
        gain=_signed(h.gain_cents),
        gain_pct=_pct(h.gain_pct),
        gain_positive=h.gain_cents >= 0,
    )


def _dollars(cents: int) -> float:
    return cents / 100  # chart coordinates only; every amount shown is formatted from cents


def _value_caption(series: tuple[portfolios.ValuePoint, ...]) -> str:
    if not series:
        return "No history yet."
    first, last = series[0], series[-1]
    high = max(series, key=lambda p: p.total_cents)
    low = min(series, key=lambda p: p.total_cents)
    return (
        f"Total value went from {format_cents(first.total_cents)} on {first.date} to "
        f"{format_cents(last.total_cents)} today; highest {format_cents(high.total_cents)} "
        f"({high.date}), lowest {format_cents(low.total_cents)} ({low.date})."
    )


@private(lambda state: state.reset())
class PortfolioState(rx.State):
    """What the portfolio page shows about the logged-in investor."""

    loaded: bool = False
    holdings: list[HoldingRow] = []
    cash: str = ""
    holdings_value: str = ""
    total_value: str = ""
    unrealised_gain: str = ""
    realised_gain: str = ""
    return_1y: str = ""
    volatility: str = ""
    allocation: list[dict[str, Any]] = []
    allocation_rows: list[TextRow] = []
    value_points: list[dict[str, Any]] = []
    value_caption: str = ""
    flows: list[dict[str, Any]] = []
    flow_rows: list[TextRow] = []
    sale_open: bool = False
    sale_item_id: int = 0
    sale_name: str = ""
    sale_held: int = 0
    sale_price: str = ""
    sale_request_id: str = ""
    sale_error: str = ""
    message: str = ""

    def _clear(self) -> None:
        self.reset()

    def _show(self, view: portfolios.PortfolioView) -> None:
        t = view.totals
        self.holdings = [_holding_row(h) for h in view.holdings]
        self.cash = format_cents(t.cash_cents)
        self.holdings_value = format_cents(t.holdings_value_cents)
        self.total_value = format_cents(t.total_value_cents)
        self.unrealised_gain = _signed(t.gain_cents)
        self.realised_gain = _signed(t.realised_gain_cents)
        self.return_1y = _pct(t.return_1y_pct)
        self.volatility = "–" if t.volatility_pct is None else f"{t.volatility_pct:.2f} %"
        self.allocation = [
            {
                "name": CATEGORY_LABELS.get(s.category, s.category),
                "value": _dollars(s.value_cents),
                "fill": CATEGORY_COLOURS.get(s.category, "#8b8d98"),
            }
            for s in view.allocation
        ]
        self.allocation_rows = [
            TextRow(
                label=CATEGORY_LABELS.get(s.category, s.category),
                first=f"{s.pct:.1f} %",
                second=format_cents(s.value_cents),
            )
            for s in view.allocation
        ]
        self.value_points = [
            {"date": p.date, "Total": _dollars(p.total_cents), "Cash": _dollars(p.cash_cents)}
            for p in view.value_series
        ]
        self.value_caption = _value_caption(view.value_series)
        self.flows = [
            {
                "month": m.month,
                "Deposits": _dollars(m.deposits_cents),
                "Purchases": _dollars(m.purchases_cents),
                "Sales": _dollars(m.sales_cents),
                "Withdrawals": _dollars(m.withdrawals_cents),
            }
            for m in view.flows
        ]
        self.flow_rows = [
            TextRow(
                label=m.month,
                first=format_cents(m.deposits_cents),
                second=format_cents(m.purchases_cents),
                third=format_cents(m.sales_cents),
                fourth=format_cents(m.withdrawals_cents),
            )
            for m in view.flows
        ]
        self.loaded = True

    async def _refresh(self, user_id: int) -> None:
        self._show(await run(portfolios.portfolio, user_id=user_id, now=now(), read_only=True))

    @rx.event
    async def load(self):
        """Fill the page from the database; nothing at all without a live session."""
        self.message = ""
        user = await current_user(self)
        if user is None:
            self._clear()
            return
        await self._refresh(user.id)

    @rx.event
    async def open_sale(self, item_id: object):
        """Open the sale dialog of one holding, with a fresh request id for its submission."""
        user = await current_user(self)
        if user is None:
            self._clear()
            return
        if type(item_id) is not int:
            return
        row = next((h for h in self.holdings if h.item_id == item_id), None)
        if row is None:
            return
        self.sale_item_id, self.sale_name, self.sale_held = row.item_id, row.name, row.units
        self.sale_price = row.price
        self.sale_error = ""
        self.sale_request_id = secrets.token_urlsafe(24)
        self.sale_open = True

    @rx.event
    def close_sale(self):
        """Close the sale dialog without selling."""
        self.sale_open = False
        self.sale_error = ""

    @rx.event
    def sale_dialog_changed(self, is_open: object):
        """Radix reports the dialog closing (Escape, outside click): close it here too."""
        if is_open is False:
            self.close_sale()

    @rx.event
    async def confirm_sale(self, form_data: object):
        """Sell the units typed in the dialog at today's price, once per dialog submission."""
        self.sale_error = ""
        user = await current_user(self)
        if user is None:
            self._clear()
            return
        if not self.sale_open:
            return  # a late twin of a submission that already sold
        try:
            fields = form_fields(form_data, ("units", "request_id"))
        except FormError as exc:
            self.sale_error = str(exc)
            return
        text = fields["units"].strip()
        if not (text.isascii() and text.isdigit()) or len(text) > MAX_UNITS_CHARS:
            self.sale_error = "Enter a whole number of units, such as 1 or 12."
            return
        try:
            sale = await run(
                trading.sell,
                user_id=user.id,
                item_id=self.sale_item_id,
                units=int(text),
                idempotency_key=fields["request_id"],
                now=now(),
            )
        except trading.TradingError as exc:
            self.sale_error = str(exc)
            return
        self.sale_open = False
        self.message = (
            f"Sold {sale.units} × {sale.name} for {format_cents(sale.proceeds_cents)} "
            f"(sale · order #{sale.id}). Your balance is {format_cents(sale.balance_cents)}."
        )
        await self._refresh(user.id)

    @rx.event
    async def download_holdings(self):
        """The holdings as a CSV file, built off the event loop."""
        user = await current_user(self)
        if user is None:
            self._clear()
            return None
        csv_text = await run(portfolios.holdings_export, user_id=user.id, read_only=True)
        return rx.download(data=csv_text, filename="fintech-holdings.csv", mime_type="text/csv")
