"""The portfolio endpoints of the JSON API: holdings, selling, withdrawing and price history.

Same conventions as the other routes: strict bodies through `parsed`, refusals as {"message"}
(the app maps DomainError to 422, a reused idempotency key to 409).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, CurrentUser, parsed
from fintech_ui.api.schemas import _Strict
from fintech_ui.db import now, run
from fintech_ui.money import decimal_string, parse_amount
from fintech_ui.services import portfolio as portfolios
from fintech_ui.services import prices, trading

router = APIRouter(tags=["portfolio"])


class SaleBody(_Strict):
    """How many units of which held product to sell at today's price."""

    item_id: StrictInt = Field(gt=0, lt=2**31)
    units: StrictInt = Field(gt=0, lt=2**31)


class WithdrawalBody(_Strict):
    """An amount of money as a decimal string, e.g. "25.50"."""

    amount: StrictStr = Field(max_length=32)


def _money(cents: int) -> str:
    return decimal_string(cents)


def _portfolio_json(view: portfolios.PortfolioView) -> dict[str, Any]:
    t = view.totals
    return {
        "holdings": [
            {
                "item_id": h.item_id,
                "sku": h.sku,
                "name": h.name,
                "category": h.category,
                "units": h.units,
                "average_cost": _money(h.average_cost_cents),
                "average_cost_cents": h.average_cost_cents,
                "cost_cents": h.cost_cents,
                "price": _money(h.price_cents),
                "price_cents": h.price_cents,
                "value": _money(h.value_cents),
                "value_cents": h.value_cents,
                "gain": _money(h.gain_cents),
                "gain_cents": h.gain_cents,
                "gain_pct": h.gain_pct,
            }
            for h in view.holdings
        ],
        "totals": {
            "cash": _money(t.cash_cents),
            "cash_cents": t.cash_cents,
            "holdings_value": _money(t.holdings_value_cents),
            "holdings_value_cents": t.holdings_value_cents,
            "total_value": _money(t.total_value_cents),
            "total_value_cents": t.total_value_cents,
            "gain_cents": t.gain_cents,
            "realised_gain_cents": t.realised_gain_cents,
            "return_1y_pct": t.return_1y_pct,
            "volatility_pct": t.volatility_pct,
        },
        "allocation": [
            {"category": s.category, "value_cents": s.value_cents, "pct": s.pct}
            for s in view.allocation
        ],
        "value_series": [
            {"date": p.date, "cash_cents": p.cash_cents, "total_cents": p.total_cents}
            for p in view.value_series
        ],
        "flows": [
            {
                "month": m.month,
                "deposits_cents": m.deposits_cents,
                "purchases_cents": m.purchases_cents,
                "sales_cents": m.sales_cents,
                "withdrawals_cents": m.withdrawals_cents,
            }
            for m in view.flows
        ],
    }


def _sale_json(sale: trading.SaleView) -> dict[str, Any]:
    return {
        "id": sale.id,
        "item_id": sale.item_id,
        "sku": sale.sku,
        "name": sale.name,
        "units": sale.units,
        "unit_price": _money(sale.unit_price_cents),
        "unit_price_cents": sale.unit_price_cents,
        "proceeds": _money(sale.proceeds_cents),
        "proceeds_cents": sale.proceeds_cents,
        "realised_gain": _money(sale.realised_gain_cents),
        "realised_gain_cents": sale.realised_gain_cents,
        "balance": _money(sale.balance_cents),
        "balance_cents": sale.balance_cents,
        "created_at": sale.created_at,
    }


@router.get("/portfolio", responses=schemas.errors(401))
async def get_portfolio(user: CurrentUser) -> dict[str, Any]:
    """Holdings, totals and chart data of the user's portfolio."""
    view = await run(portfolios.portfolio, user_id=user.id, now=now(), read_only=True)
    return _portfolio_json(view)


@router.post(
    "/portfolio/sales",
    status_code=201,
    openapi_extra=schemas.json_body(SaleBody),
    responses=schemas.errors(400, 401, 409, 413, 422),
)
async def sell_holding(
    request: Request,
    user: CurrentUser,
    body: Annotated[SaleBody, Depends(parsed(SaleBody))],
) -> JSONResponse:
    """Sell units of a holding at today's price, once per Idempotency-Key."""
    sale = await run(
        trading.sell,
        user_id=user.id,
        item_id=body.item_id,
        units=body.units,
        idempotency_key=request.headers.get("idempotency-key", ""),
        now=now(),
    )
    return JSONResponse(_sale_json(sale), status_code=201)


@router.post(
    "/account/withdrawals",
    status_code=201,
    openapi_extra=schemas.json_body(WithdrawalBody),
    responses=schemas.errors(400, 401, 409, 413, 422),
)
async def withdraw_cash(
    request: Request,
    user: CurrentUser,
    body: Annotated[WithdrawalBody, Depends(parsed(WithdrawalBody))],
) -> JSONResponse:
    """Send money to the (simulated) bank account, once per Idempotency-Key."""
    cents = parse_amount(
        body.amount,
        min_cents=trading.MIN_WITHDRAWAL_CENTS,
        max_cents=trading.DAILY_WITHDRAWAL_LIMIT_CENTS,
    )
    out = await run(
        trading.withdraw,
        user_id=user.id,
        amount_cents=cents,
        idempotency_key=request.headers.get("idempotency-key", ""),
        now=now(),
    )
    return JSONResponse(
        {
            "id": out.id,
            "amount": _money(out.amount_cents),
            "amount_cents": out.amount_cents,
            "balance": _money(out.balance_cents),
            "balance_cents": out.balance_cents,
            "created_at": out.created_at,
        },
        status_code=201,
    )


@router.get("/items/{item_id}/prices", responses=schemas.errors(404, 422))
async def item_prices(item_id: int, range: str = "1y") -> dict[str, Any]:
    """A product's price history over "1m", "6m" or "1y" (the default), oldest first."""
    if range not in prices.RANGES:
        raise ApiError(422, 'range must be "1m", "6m" or "1y".')
    points = await run(
        prices.item_prices, item_id=item_id, range_key=range, now=now(), read_only=True
    )
    if points is None:
        raise ApiError(404, "Product not found.")
    return {
        "item_id": item_id,
        "range": range,
        "prices": [
            {
                "date": p.date,
                "at": p.at,
                "price": _money(p.price_cents),
                "price_cents": p.price_cents,
            }
            for p in points
        ],
    }
