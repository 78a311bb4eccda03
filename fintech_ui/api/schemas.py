"""The API's request and response bodies as pydantic models: the wire format, documented.

Request models are strict (no coercion, no unknown fields). Response models are built from
the services' frozen views by `from_view`, so presenting a view happens here only. Money goes
out twice: as an exact decimal string (`total`) beside the integer cents (`total_cents`).
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from fintech_ui.money import decimal_string
from fintech_ui.services.cart import MAX_QUANTITY, CartSummary
from fintech_ui.services.catalogue import CataloguePage
from fintech_ui.services.ledger import AccountSummary
from fintech_ui.services.orders import OrderView
from fintech_ui.services.portfolio import PortfolioView
from fintech_ui.services.prices import PricePointView

# ---------------------------------------------------------------- requests


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Credentials(_Strict):
    """A username and password, as form fields or JSON."""

    username: StrictStr = Field(max_length=256)
    password: StrictStr = Field(max_length=1024)


class CartAdd(_Strict):
    """A product and how many units to add."""

    item_id: StrictInt = Field(gt=0, lt=2**31)
    quantity: StrictInt = Field(default=1, ge=1, le=MAX_QUANTITY)


class CartQuantity(_Strict):
    """The new quantity of a cart line."""

    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)


class CheckoutBody(_Strict):
    """Optionally, the one product to buy instead of the whole cart, and the cart's `version`
    as you last read it (GET /api/cart): if the cart changed since, nothing is bought (409)."""

    item_id: StrictInt | None = Field(default=None, gt=0, lt=2**31)
    cart_version: StrictStr | None = Field(default=None, min_length=1, max_length=64)


class PasswordChange(_Strict):
    """The current password (proof) and the new one (the registration policy applies)."""

    current_password: StrictStr = Field(max_length=1024)
    new_password: StrictStr = Field(max_length=1024)


class Deposit(_Strict):
    """An amount of money as a decimal string, e.g. "25.50"."""

    amount: StrictStr = Field(max_length=32)


class Withdrawal(Deposit):
    """An amount of money to send to the bank, as a decimal string, e.g. "25.50"."""


class Sale(_Strict):
    """How many units of which held product to sell at today's price."""

    item_id: StrictInt = Field(gt=0, lt=2**31)
    units: StrictInt = Field(gt=0, lt=2**31)


def json_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """openapi_extra describing a JSON request body (bodies are parsed by deps.parsed)."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


CREDENTIALS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": Credentials.model_json_schema()},
            "application/json": {"schema": Credentials.model_json_schema()},
        },
    }
}

# ---------------------------------------------------------------- responses


class _Out(BaseModel):
    @classmethod
    def from_view(cls, view: object, **given: Any) -> Self:
        """The fields of the same names from `view`; `x` is the decimal string of `x_cents`."""
        values = {}
        for name in cls.model_fields:
            if name in given:
                values[name] = given[name]
            elif f"{name}_cents" in cls.model_fields:
                values[name] = decimal_string(getattr(view, f"{name}_cents"))
            else:
                values[name] = getattr(view, name)
        return cls(**values)


class Message(BaseModel):
    """Every error, and some successes: one human-readable sentence."""

    message: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry documenting these error codes, all with the Message body."""
    meaning = {
        400: "The body is not valid JSON.",
        401: "Missing, invalid or expired token (or wrong credentials).",
        403: "Not allowed.",
        404: "Not found.",
        409: "Conflict: taken name, reused idempotency key, changed prices or a changed cart.",
        413: "Request body too large.",
        422: "The request breaks a rule; the message says which.",
        429: "Too many attempts; see Retry-After.",
        500: "Internal error. Nothing was changed.",
        503: "Busy; try again after Retry-After seconds. Nothing was changed.",
    }
    return {code: {"model": Message, "description": meaning[code]} for code in codes}


class Registered(BaseModel):
    """The new account's id."""

    message: str
    id: int


class TokenOut(BaseModel):
    """A session token for x-access-tokens or Authorization: Bearer."""

    token: str
    message: str


class ItemOut(_Out):
    """A product on sale."""

    id: int
    sku: str
    name: str
    category: str
    description: str
    price: str
    price_cents: int
    stock: int
    risk_level: int


class ItemPage(_Out):
    """One page of products and how many match in all; the cursors ask for the pages beside it
    (null at either end)."""

    items: list[ItemOut]
    total: int
    page: int
    pages: int
    next_cursor: str | None = None
    previous_cursor: str | None = None


class CartLineOut(_Out):
    """A cart line at the current price, with the price the shopper last saw."""

    item_id: int
    name: str
    quantity: int
    unit_price: str
    unit_price_cents: int
    seen_price_cents: int
    price_changed: bool
    line_total: str
    line_total_cents: int


class CartOut(_Out):
    """The cart: lines, units, total, and a version that changes with any line or price."""

    items: list[CartLineOut]
    count: int
    total: str
    total_cents: int
    version: str


class OrderLineOut(_Out):
    """A product of an order at the price paid."""

    item_id: int
    sku: str
    name: str
    quantity: int
    unit_price: str
    unit_price_cents: int
    line_total: str
    line_total_cents: int


class OrderOut(_Out):
    """An order and its lines."""

    id: int
    created_at: int
    total: str
    total_cents: int
    lines: list[OrderLineOut]


class OrderList(BaseModel):
    """The user's orders, newest first."""

    orders: list[OrderOut]


class StatementEntryOut(_Out):
    """One ledger entry."""

    id: int
    created_at: int
    kind: str
    order_id: int | None
    sale_id: int | None = None
    withdrawal_id: int | None = None
    amount: str
    amount_cents: int
    balance_after: str
    balance_after_cents: int


class PasswordChanged(BaseModel):
    """The password was changed; `sessions_ended` other sessions (browsers, tokens) ended."""

    message: str
    sessions_ended: int


class SessionOut(BaseModel):
    """One live session of the user: a browser login or an API token."""

    id: int
    kind: str  # "browser" or "api"
    address: str
    started_at: int  # UNIX seconds
    last_seen_at: int
    this_device: bool  # the token of this request


class SessionList(BaseModel):
    """The user's live sessions, most recently active first."""

    sessions: list[SessionOut]


class AccountOut(_Out):
    """The balance and the statement, newest entry first."""

    username: str
    balance: str
    balance_cents: int
    statement: list[StatementEntryOut]


class HoldingOut(_Out):
    """A held product: units, average cost, today's value and the unrealised gain."""

    item_id: int
    sku: str
    name: str
    category: str
    units: int
    average_cost: str
    average_cost_cents: int
    cost_cents: int
    price: str
    price_cents: int
    value: str
    value_cents: int
    gain: str
    gain_cents: int
    gain_pct: float | None


class TotalsOut(_Out):
    """The headline figures: cash, holdings, their sum, gains, 1-year return and volatility."""

    cash: str
    cash_cents: int
    holdings_value: str
    holdings_value_cents: int
    total_value: str
    total_value_cents: int
    gain_cents: int
    realised_gain_cents: int
    return_1y_pct: float | None
    volatility_pct: float | None


class AllocationOut(_Out):
    """The share of the holdings' value in one category."""

    category: str
    value_cents: int
    pct: float


class ValuePointOut(_Out):
    """The cash and total value of the portfolio at the end of one day."""

    date: str
    cash_cents: int
    total_cents: int


class FlowsOut(_Out):
    """The money that went in and out in one month."""

    month: str
    deposits_cents: int
    purchases_cents: int
    sales_cents: int
    withdrawals_cents: int


class PortfolioOut(_Out):
    """Holdings, totals and chart data of the user's portfolio."""

    holdings: list[HoldingOut]
    totals: TotalsOut
    allocation: list[AllocationOut]
    value_series: list[ValuePointOut]
    flows: list[FlowsOut]


class SaleOut(_Out):
    """A sale at today's price: proceeds, realised gain and the balance after it."""

    id: int
    item_id: int
    sku: str
    name: str
    units: int
    unit_price: str
    unit_price_cents: int
    proceeds: str
    proceeds_cents: int
    realised_gain: str
    realised_gain_cents: int
    balance: str
    balance_cents: int
    created_at: int


class WithdrawalOut(_Out):
    """A withdrawal and the balance after it."""

    id: int
    amount: str
    amount_cents: int
    balance: str
    balance_cents: int
    created_at: int


class PricePointOut(_Out):
    """A product's price at the end of one day."""

    date: str
    at: int
    price: str
    price_cents: int


class PriceHistoryOut(BaseModel):
    """A product's daily prices over a range, oldest first."""

    item_id: int
    range: str
    prices: list[PricePointOut]


def item_page(result: CataloguePage) -> ItemPage:
    """GET /items's answer."""
    return ItemPage.from_view(result, items=[ItemOut.from_view(item) for item in result.items])


def cart(summary: CartSummary) -> CartOut:
    """The answer of every cart route."""
    return CartOut.from_view(summary, items=[CartLineOut.from_view(line) for line in summary.lines])


def order(view: OrderView) -> OrderOut:
    """One order as the API shows it."""
    return OrderOut.from_view(view, lines=[OrderLineOut.from_view(line) for line in view.lines])


def account(summary: AccountSummary) -> AccountOut:
    """The balance and statement as the API shows them."""
    return AccountOut.from_view(
        summary, statement=[StatementEntryOut.from_view(entry) for entry in summary.statement]
    )


def portfolio(view: PortfolioView) -> PortfolioOut:
    """The portfolio as the API shows it."""
    return PortfolioOut.from_view(
        view,
        holdings=[HoldingOut.from_view(h) for h in view.holdings],
        totals=TotalsOut.from_view(view.totals),
        allocation=[AllocationOut.from_view(s) for s in view.allocation],
        value_series=[ValuePointOut.from_view(p) for p in view.value_series],
        flows=[FlowsOut.from_view(m) for m in view.flows],
    )


def price_history(
    item_id: int, range_key: str, points: tuple[PricePointView, ...]
) -> PriceHistoryOut:
    """A product's price series as the API shows it."""
    return PriceHistoryOut(
        item_id=item_id, range=range_key, prices=[PricePointOut.from_view(p) for p in points]
    )
