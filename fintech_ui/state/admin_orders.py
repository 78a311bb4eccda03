"""Back office, orders: every order with filters, and one in detail."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import reflex as rx

from fintech_ui.money import format_cents
from fintech_ui.services import admin_orders
from fintech_ui.state.admin import DENIED, AdminSection, Refused, admin_call
from fintech_ui.state.session import private

FILTERS = ("date_from", "date_to", "username", "product")


@dataclasses.dataclass
class AdminOrderRow:
    """An order in the list, formatted."""

    id: int = 0
    username: str = ""
    when: str = ""
    total: str = ""
    lines: int = 0


@dataclasses.dataclass
class AdminOrderLine:
    """One line of the order shown in detail."""

    sku: str = ""
    name: str = ""
    quantity: int = 0
    unit_price: str = ""
    line_total: str = ""


@private(lambda state: state.reset())
class AdminOrdersState(AdminSection, rx.State):
    """The orders section."""

    filters: dict[str, str] = {name: "" for name in FILTERS}
    rows: list[AdminOrderRow] = []
    filter_errors: dict[str, str] = {}
    detail_id: int = 0
    detail_title: str = ""
    detail_total: str = ""
    detail_lines: list[AdminOrderLine] = []

    def _deny(self) -> None:
        self.rows, self.detail_lines, self.detail_id, self.error = [], [], 0, DENIED

    async def _refresh(self) -> None:
        try:
            views = await admin_call(
                self, "orders.list", None, admin_orders.search_orders, **self.filters
            )
        except admin_orders.FilterInvalid as exc:
            self.filter_errors = {exc.field: str(exc)}
            return
        self.filter_errors, self.error = {}, ""
        self.rows = [
            AdminOrderRow(v.id, v.username, v.when, format_cents(v.total_cents), v.lines)
            for v in views
        ]

    @rx.event
    async def apply_filters(self, form_data):
        """Filter by date (from/to, YYYY-MM-DD), by user and by product."""
        values = (
            {name: form_data.get(name, "") for name in FILTERS}
            if isinstance(form_data, Mapping)  # a dict, or Reflex's FormData
            else None
        )
        if values is None or not all(isinstance(v, str) and len(v) <= 120 for v in values.values()):
            if not await self._deny_if_refused("orders.filter", form_data):
                self.error = "The filters were not understood. Reload the page."
            return
        self.filters = values
        await self._refresh_or_deny()

    @rx.event
    async def show(self, order_id):
        """Open one order's detail."""
        if type(order_id) is not int:
            await self._deny_if_refused("orders.detail", order_id)
            return
        view = await self._ask(
            "orders.detail", order_id, admin_orders.order_detail, order_id=order_id
        )
        if isinstance(view, Refused):
            return
        self.detail_id = view.id
        self.detail_title = f"Order #{view.id} by {view.username}, {view.when} UTC"
        self.detail_total = format_cents(view.total_cents)
        self.detail_lines = [
            AdminOrderLine(
                line.sku,
                line.name,
                line.quantity,
                format_cents(line.unit_price_cents),
                format_cents(line.line_total_cents),
            )
            for line in view.lines
        ]

    @rx.event
    async def close_detail(self):
        """Back to the list."""
        if await self._deny_if_refused("orders.close", None):
            return
        self.detail_id, self.detail_lines = 0, []
