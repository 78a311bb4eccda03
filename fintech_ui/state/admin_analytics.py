"""Back office, analytics: six charts aggregated in SQL, each with a text alternative."""

from __future__ import annotations

from typing import Any

import reflex as rx

from fintech_ui.db import now
from fintech_ui.money import format_cents
from fintech_ui.services import analytics
from fintech_ui.state.admin import DENIED, AdminSection, admin_call
from fintech_ui.state.session import private


def _dollars(cents: int) -> float:
    # charts plot dollars; the text alternatives read exact amounts
    return round(cents / 100, 2)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _short(name: str) -> str:
    # axis labels stay on one line; the text alternative keeps the full name
    return name if len(name) <= 18 else name[:17] + "…"


def _summary(points: tuple[analytics.Point, ...], describe) -> str:
    if not points:
        return "No data in this period."
    return "; ".join(describe(p) for p in points) + "."


@private(lambda state: state.reset())
class AdminAnalyticsState(AdminSection, rx.State):
    """The analytics section: chart data and their text alternatives."""

    days: int = 30
    window: str = "30"  # the period control's value
    sales: list[dict[str, Any]] = []
    sales_text: str = ""
    categories: list[dict[str, Any]] = []
    categories_text: str = ""
    top: list[dict[str, Any]] = []
    top_text: str = ""
    investors: list[dict[str, Any]] = []
    investors_text: str = ""
    balances: list[dict[str, Any]] = []
    balances_text: str = ""
    flows: list[dict[str, Any]] = []
    flows_text: str = ""

    def _deny(self) -> None:
        self.error = DENIED
        self.sales, self.categories, self.top = [], [], []
        self.investors, self.balances, self.flows = [], [], []
        self.sales_text = self.categories_text = self.top_text = ""
        self.investors_text = self.balances_text = self.flows_text = ""

    async def _refresh(self) -> None:
        board = await admin_call(
            self, "analytics", None, analytics.dashboard, days=self.days, now=now()
        )
        self.error = ""
        self.sales = [
            {"day": p.label, "revenue": _dollars(p.value), "orders": p.other}
            for p in board.sales_per_day
        ]
        self.sales_text = _summary(
            board.sales_per_day,
            lambda p: f"{p.label}: {_count(p.other, 'order')}, {format_cents(p.value)}",
        )
        self.categories = [
            {"category": p.label, "revenue": _dollars(p.value)} for p in board.revenue_by_category
        ]
        self.categories_text = _summary(
            board.revenue_by_category, lambda p: f"{p.label}: {format_cents(p.value)}"
        )
        self.top = [
            {"product": _short(p.label), "revenue": _dollars(p.value), "units": p.other}
            for p in board.top_products
        ]
        self.top_text = _summary(
            board.top_products,
            lambda p: f"{p.label}: {format_cents(p.value)} ({_count(p.other, 'unit')})",
        )
        self.investors = [
            {"week": p.label, "investors": p.value} for p in board.new_investors_per_week
        ]
        self.investors_text = _summary(
            board.new_investors_per_week,
            lambda p: f"week of {p.label}: {_count(p.value, 'new investor')}",
        )
        self.balances = [
            {"bucket": p.label, "accounts": p.value} for p in board.balance_distribution
        ]
        self.balances_text = _summary(
            board.balance_distribution, lambda p: f"{p.label}: {_count(p.value, 'account')}"
        )
        self.flows = [
            {"week": p.label, "deposits": _dollars(p.value), "withdrawals": _dollars(p.other)}
            for p in board.deposits_withdrawals
        ]
        self.flows_text = _summary(
            board.deposits_withdrawals,
            lambda p: f"week of {p.label}: in {format_cents(p.value)}, out {format_cents(p.other)}",
        )

    @rx.event
    async def choose_days(self, value):
        """Show the last 30, 90 or 365 days."""
        if not isinstance(value, str) or value not in ("30", "90", "365"):
            await self._deny_if_refused("analytics.days", value)
            return
        self.days, self.window = int(value), value
        await self._refresh_or_deny()
