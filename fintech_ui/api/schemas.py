"""The API's request and response bodies as pydantic models: the wire format, documented.

Request models are strict (no coercion, no unknown fields). Response models are built from
the services' frozen views by their `of` constructors, so presenting a view happens here only.
Money goes out twice: as an exact decimal string and as integer cents.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from fintech_ui.money import decimal_string
from fintech_ui.services.cart import MAX_QUANTITY, CartSummary
from fintech_ui.services.catalogue import CataloguePage, ItemView
from fintech_ui.services.ledger import AccountSummary
from fintech_ui.services.orders import OrderView

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
    """Optionally, the one product to buy instead of the whole cart."""

    item_id: StrictInt | None = Field(default=None, gt=0, lt=2**31)


class Deposit(_Strict):
    """An amount of money as a decimal string, e.g. "25.50"."""

    amount: StrictStr = Field(max_length=32)


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
        409: "Conflict: taken name, reused idempotency key or changed prices.",
        413: "Request body too large.",
        422: "The request breaks a rule; the message says which.",
        429: "Too many failed attempts; see Retry-After.",
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


class ItemOut(BaseModel):
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

    @classmethod
    def of(cls, item: ItemView) -> ItemOut:
        """From the service's view."""
        return cls(
            id=item.id,
            sku=item.sku,
            name=item.name,
            category=item.category,
            description=item.description,
            price=decimal_string(item.price_cents),
            price_cents=item.price_cents,
            stock=item.stock,
            risk_level=item.risk_level,
        )


class ItemPage(BaseModel):
    """One page of products and how many match in all."""

    items: list[ItemOut]
    total: int
    page: int
    pages: int

    @classmethod
    def of(cls, result: CataloguePage) -> ItemPage:
        """From the service's view."""
        return cls(
            items=[ItemOut.of(item) for item in result.items],
            total=result.total,
            page=result.page,
            pages=result.pages,
        )


class CartLineOut(BaseModel):
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


class CartOut(BaseModel):
    """The cart: lines, units, total, and a version that changes with any line or price."""

    items: list[CartLineOut]
    count: int
    total: str
    total_cents: int
    version: str

    @classmethod
    def of(cls, cart: CartSummary) -> CartOut:
        """From the service's view."""
        return cls(
            items=[
                CartLineOut(
                    item_id=line.item_id,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=decimal_string(line.unit_price_cents),
                    unit_price_cents=line.unit_price_cents,
                    seen_price_cents=line.seen_price_cents,
                    price_changed=line.price_changed,
                    line_total=decimal_string(line.line_total_cents),
                    line_total_cents=line.line_total_cents,
                )
                for line in cart.lines
            ],
            count=cart.count,
            total=decimal_string(cart.total_cents),
            total_cents=cart.total_cents,
            version=cart.version,
        )


class OrderLineOut(BaseModel):
    """A product of an order at the price paid."""

    item_id: int
    sku: str
    name: str
    quantity: int
    unit_price: str
    unit_price_cents: int
    line_total: str
    line_total_cents: int


class OrderOut(BaseModel):
    """An order and its lines."""

    id: int
    created_at: int
    total: str
    total_cents: int
    lines: list[OrderLineOut]

    @classmethod
    def of(cls, order: OrderView) -> OrderOut:
        """From the service's view."""
        return cls(
            id=order.id,
            created_at=order.created_at,
            total=decimal_string(order.total_cents),
            total_cents=order.total_cents,
            lines=[
                OrderLineOut(
                    item_id=line.item_id,
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=decimal_string(line.unit_price_cents),
                    unit_price_cents=line.unit_price_cents,
                    line_total=decimal_string(line.line_total_cents),
                    line_total_cents=line.line_total_cents,
                )
                for line in order.lines
            ],
        )


class OrderList(BaseModel):
    """The user's orders, newest first."""

    orders: list[OrderOut]


class StatementEntryOut(BaseModel):
    """One ledger entry."""

    id: int
    created_at: int
    kind: str
    order_id: int | None
    amount: str
    amount_cents: int
    balance_after: str
    balance_after_cents: int


class AccountOut(BaseModel):
    """The balance and the statement, newest entry first."""

    username: str
    balance: str
    balance_cents: int
    statement: list[StatementEntryOut]

    @classmethod
    def of(cls, account: AccountSummary) -> AccountOut:
        """From the service's view."""
        return cls(
            username=account.username,
            balance=decimal_string(account.balance_cents),
            balance_cents=account.balance_cents,
            statement=[
                StatementEntryOut(
                    id=entry.id,
                    created_at=entry.created_at,
                    kind=entry.kind,
                    order_id=entry.order_id,
                    amount=decimal_string(entry.amount_cents),
                    amount_cents=entry.amount_cents,
                    balance_after=decimal_string(entry.balance_after_cents),
                    balance_after_cents=entry.balance_after_cents,
                )
                for entry in account.statement
            ],
        )
