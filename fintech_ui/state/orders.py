"""The order history and one order's details, for their owner only."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx

from fintech_ui.db import run
from fintech_ui.money import format_cents
from fintech_ui.services.orders import OrderView, get_order, list_orders
from fintech_ui.state.session import current_user, private


@dataclasses.dataclass
class OrderLineRow:
    """One product of an order, formatted."""

    name: str = ""
    quantity: int = 0
    unit_price: str = ""
    line_total: str = ""


@dataclasses.dataclass
class OrderRow:
    """An order, formatted, with its lines."""

    id: int = 0
    date: str = ""
    total: str = ""
    summary: str = ""
    lines: list[OrderLineRow] = dataclasses.field(default_factory=list)


def _order_row(view: OrderView) -> OrderRow:
    lines = [
        OrderLineRow(
            name=line.name,
            quantity=line.quantity,
            unit_price=format_cents(line.unit_price_cents),
            line_total=format_cents(line.line_total_cents),
        )
        for line in view.lines
    ]
    return OrderRow(
        id=view.id,
        date=dt.datetime.fromtimestamp(view.created_at, dt.UTC).strftime("%d %b %Y %H:%M UTC"),
        total=format_cents(view.total_cents),
        summary=", ".join(f"{line.name} × {line.quantity}" for line in view.lines),
        lines=lines,
    )


def _order_id_from_path(path: str) -> int | None:
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    if not tail.isascii() or not tail.isdigit() or len(tail) > 9:
        return None
    return int(tail)


@private(lambda state: state.reset())
class OrdersState(rx.State):
    """The logged-in investor's orders."""

    orders: list[OrderRow] = []
    detail: OrderRow = OrderRow()
    detail_missing: bool = False
    loaded: bool = False

    @rx.event
    async def load(self):
        """The order history, newest first."""
        user = await current_user(self)
        if user is None:
            self.orders, self.loaded = [], False
            return
        views = await run(list_orders, user_id=user.id, read_only=True)
        self.orders = [_order_row(view) for view in views]
        self.loaded = True

    @rx.event
    async def load_detail(self):
        """The order named in the address, if it is one's own."""
        self.detail, self.detail_missing = OrderRow(), False
        user = await current_user(self)
        if user is None:
            return
        order_id = _order_id_from_path(self.router.url.path)
        view = (
            await run(get_order, user_id=user.id, order_id=order_id, read_only=True)
            if order_id is not None
            else None
        )
        if view is None:
            self.detail_missing = True
            return
        self.detail = _order_row(view)
