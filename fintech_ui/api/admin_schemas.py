"""Request and response bodies of the back-office API (/api/admin/...), as in schemas.py:
strict requests, responses built from the services' frozen views, money as a decimal string
beside the integer cents."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel, StrictBool, StrictStr

from fintech_ui.api.schemas import _Out, _Strict
from fintech_ui.services.admin_orders import AdminOrderDetail
from fintech_ui.services.analytics import Dashboard, Point


class ProductIn(_Strict):
    """A product's fields as the form sends them: money as a string to the cent."""

    sku: StrictStr = Field(max_length=64, examples=["GLOBAL-EQ-1"])
    name: StrictStr = Field(max_length=256)
    category: StrictStr = Field(max_length=32, examples=["fund"])
    price: StrictStr = Field(max_length=32, examples=["12.50"])
    stock: StrictStr = Field(max_length=16, examples=["100"])
    description: StrictStr = Field(default="", max_length=2000)
    risk: StrictStr = Field(max_length=1, examples=["3"])
    active: StrictBool = True
    reason: StrictStr = Field(default="", max_length=400, description="Why the stock changes.")

    def fields(self) -> dict[str, object]:
        """The form's fields for services.admin_products.save_product."""
        return self.model_dump()


class FieldErrors(BaseModel):
    """A refused request: one sentence (as in every error), and a message per field when the
    fields themselves broke a rule (none when the body was not a valid product at all)."""

    message: str
    errors: dict[str, str] = Field(
        default_factory=dict, description="field name -> what is wrong with it"
    )


FIELD_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": FieldErrors, "description": "The product breaks a rule; nothing changed."}
}


class ProductOut(_Out):
    """A product as the back office sees it (active or not), and whether it has been sold."""

    id: int
    sku: str
    name: str
    category: str
    price: str
    price_cents: int
    stock: int
    description: str
    risk_level: int
    is_active: bool
    sold: bool


class RemovedOut(BaseModel):
    """What happened to a removed product: "deleted", or "deactivated" when it has orders."""

    outcome: str


class ProductList(RootModel[list[ProductOut]]):
    """Products, as a JSON array."""


class UserOut(_Out):
    """A user with balance, orders, live sessions and status."""

    id: int
    username: str
    role: str
    is_active: bool
    created_at: int
    balance: str
    balance_cents: int
    orders: int
    sessions: int


class UserList(RootModel[list[UserOut]]):
    """Users, as a JSON array."""


class AdminOrderOut(_Out):
    """An order in the list."""

    id: int
    username: str
    created_at: int
    total: str
    total_cents: int
    lines: int


class AdminOrderList(RootModel[list[AdminOrderOut]]):
    """Orders, as a JSON array."""


class AdminOrderLineOut(_Out):
    """A line of an order, at the price paid."""

    item_id: int
    sku: str
    name: str
    quantity: int
    unit_price: str
    unit_price_cents: int
    line_total: str
    line_total_cents: int


class AdminOrderDetailOut(_Out):
    """One order with its buyer and lines."""

    id: int
    username: str
    created_at: int
    total: str
    total_cents: int
    idempotency_key: str
    lines: list[AdminOrderLineOut]


class AuditOut(_Out):
    """One audit entry: who, when, what, and the values before and after (JSON text)."""

    id: int
    at: int
    actor: str
    action: str
    target: str
    outcome: str
    before: str
    after: str


class AuditList(RootModel[list[AuditOut]]):
    """Audit entries, newest first, as a JSON array."""


class PointOut(_Out):
    """One bar or point of a chart."""

    label: str
    value: int
    other: int


class AnalyticsOut(BaseModel):
    """Every chart of the back office over the last `days` days (money in cents)."""

    days: int
    sales_per_day: list[PointOut] = Field(description="value: revenue, other: orders")
    revenue_by_category: list[PointOut]
    top_products: list[PointOut] = Field(description="value: revenue, other: units")
    new_investors_per_week: list[PointOut]
    balance_distribution: list[PointOut] = Field(description="value: accounts")
    deposits_withdrawals: list[PointOut] = Field(description="value: in, other: out")


def order_detail(view: AdminOrderDetail) -> AdminOrderDetailOut:
    """One order as the admin API shows it."""
    return AdminOrderDetailOut.from_view(
        view, lines=[AdminOrderLineOut.from_view(line) for line in view.lines]
    )


def _points(points: tuple[Point, ...]) -> list[PointOut]:
    return [PointOut.from_view(p) for p in points]


def analytics(board: Dashboard) -> AnalyticsOut:
    """The dashboard as the admin API shows it."""
    return AnalyticsOut(
        days=board.days,
        sales_per_day=_points(board.sales_per_day),
        revenue_by_category=_points(board.revenue_by_category),
        top_products=_points(board.top_products),
        new_investors_per_week=_points(board.new_investors_per_week),
        balance_distribution=_points(board.balance_distribution),
        deposits_withdrawals=_points(board.deposits_withdrawals),
    )
