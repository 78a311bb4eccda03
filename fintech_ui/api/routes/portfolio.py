"""The portfolio endpoints of the JSON API: holdings, selling, withdrawing and price history.

Same conventions as the other routes: strict bodies through `parsed`, refusals as {"message"}
(the app maps DomainError to 422, a reused idempotency key to 409).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, CurrentUser, parsed
from fintech_ui.db import now, run
from fintech_ui.services import portfolio as portfolios
from fintech_ui.services import prices, trading

router = APIRouter(tags=["portfolio"])


@router.get("/portfolio", responses=schemas.errors(401))
async def get_portfolio(user: CurrentUser) -> schemas.PortfolioOut:
    """Holdings, totals and chart data of the user's portfolio."""
    view = await run(portfolios.portfolio, user_id=user.id, now=now(), read_only=True)
    return schemas.portfolio(view)


@router.post(
    "/portfolio/sales",
    status_code=201,
    openapi_extra=schemas.json_body(schemas.Sale),
    responses=schemas.errors(400, 401, 409, 413, 422),
)
async def sell_holding(
    user: CurrentUser,
    body: Annotated[schemas.Sale, Depends(parsed(schemas.Sale))],
    idempotency_key: Annotated[str, Header()] = "",
) -> schemas.SaleOut:
    """Sell units of a holding at today's price, once per Idempotency-Key."""
    sale = await run(
        trading.sell,
        user_id=user.id,
        item_id=body.item_id,
        units=body.units,
        idempotency_key=idempotency_key,
        now=now(),
    )
    return schemas.SaleOut.from_view(sale)


@router.post(
    "/account/withdrawals",
    status_code=201,
    openapi_extra=schemas.json_body(schemas.Withdrawal),
    responses=schemas.errors(400, 401, 409, 413, 422),
)
async def withdraw_cash(
    user: CurrentUser,
    body: Annotated[schemas.Withdrawal, Depends(parsed(schemas.Withdrawal))],
    idempotency_key: Annotated[str, Header()] = "",
) -> schemas.WithdrawalOut:
    """Send money to the (simulated) bank account, once per Idempotency-Key."""
    out = await run(
        trading.withdraw_amount,
        user_id=user.id,
        amount=body.amount,
        idempotency_key=idempotency_key,
        now=now(),
    )
    return schemas.WithdrawalOut.from_view(out)


@router.get("/items/{item_id}/prices", responses=schemas.errors(404, 422))
async def item_prices(item_id: int, range: str = "1y") -> schemas.PriceHistoryOut:
    """A product's price history over "1m", "6m" or "1y" (the default), oldest first."""
    if range not in prices.RANGES:
        raise ApiError(422, 'range must be "1m", "6m" or "1y".')
    points = await run(
        prices.item_prices, item_id=item_id, range_key=range, now=now(), read_only=True
    )
    if points is None:
        raise ApiError(404, "Product not found.")
    return schemas.price_history(item_id, range, points)
