"""A product's own page: description, risk, price chart with ranges, returns and volatility."""

from __future__ import annotations

from typing import Any

import reflex as rx

from fintech_ui import routes
from fintech_ui.db import now, run
from fintech_ui.money import format_cents
from fintech_ui.services import prices
from fintech_ui.state.catalogue import RISK_LABELS

RISK_SENTENCES = {
    1: "Very low risk: the price barely moves; little to gain and little to lose.",
    2: "Low risk: small ups and downs; losses are possible but usually modest.",
    3: "Medium risk: the price can rise or fall noticeably within a year.",
    4: "High risk: large swings are common; you could lose a good part of what you invest.",
    5: "Very high risk: the price can halve or double within months; invest only what you "
    "can afford to lose.",
}
RANGE_DAYS = {"1M": 30, "6M": 182, "1Y": 365}


def _pct(value: float | None) -> str:
    return "Not enough history" if value is None else f"{value:+.2f} %"


class ProductState(rx.State):
    """The product named by the route's SKU."""

    found: bool = True
    loaded: bool = False
    item_id: int = 0
    product_sku: str = ""
    name: str = ""
    category: str = ""
    description: str = ""
    price: str = ""
    in_stock: bool = True
    stock_label: str = ""
    risk: str = ""
    risk_level: int = 1
    risk_sentence: str = ""
    return_1m: str = ""
    return_6m: str = ""
    return_1y: str = ""
    volatility: str = ""
    chart_range: str = "1Y"
    _history: list[dict[str, Any]] = []
    chart_points: list[dict[str, Any]] = []
    chart_caption: str = ""

    @rx.event
    async def load(self):
        """Read the product named in the URL (/products/<sku>)."""
        path = self.router.url.path.rstrip("/")
        sku = path.rsplit("/", 1)[-1] if path.startswith(routes.PRODUCT_PREFIX) else ""
        view = await run(prices.product_page, sku=sku, now=now(), read_only=True)
        self.loaded = True
        if view is None:
            self.found = False
            self.item_id, self.name = 0, ""
            return
        self.found = True
        self.item_id, self.product_sku, self.name = view.id, view.sku, view.name
        self.category, self.description = view.category, view.description
        self.price = format_cents(view.price_cents)
        self.in_stock = view.stock > 0 and view.is_active
        self.stock_label = (
            "Not available" if not view.is_active else f"{view.stock:,} units available"
        )
        self.risk_level = view.risk_level
        self.risk = RISK_LABELS[view.risk_level]
        self.risk_sentence = RISK_SENTENCES[view.risk_level]
        a = view.analytics
        self.return_1m, self.return_6m = _pct(a.return_1m), _pct(a.return_6m)
        self.return_1y = _pct(a.return_1y)
        self.volatility = "Not enough history" if a.volatility is None else f"{a.volatility:.2f} %"
        self._history = _daily(view.history)
        self._set_caption()

    def _set_caption(self) -> None:
        days = RANGE_DAYS.get(self.chart_range, 365)
        self.chart_points = points = self._history[-(days + 1) :]
        if not points:
            self.chart_caption = "No price history yet."
            return
        first, last = points[0], points[-1]
        high = max(points, key=lambda p: p["price"])
        low = min(points, key=lambda p: p["price"])
        self.chart_caption = (
            f"Price over {self.chart_range}: from ${first['price']:,.2f} on {first['date']} "
            f"to ${last['price']:,.2f} on {last['date']}; highest ${high['price']:,.2f}, "
            f"lowest ${low['price']:,.2f}."
        )

    @rx.event
    def show_range(self, label: object):
        """Chart the last month, six months or year."""
        if isinstance(label, str) and label in RANGE_DAYS:
            self.chart_range = label
            self._set_caption()


def _daily(history: tuple[prices.PricePointView, ...]) -> list[dict[str, Any]]:
    # One point per day (the day's last price); chart coordinates in dollars.
    by_date: dict[str, float] = {}
    for point in history:
        by_date[point.date] = point.price_cents / 100
    return [{"date": date, "price": price} for date, price in by_date.items()]
