"""Checkout and the order history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, CurrentUser, parsed
from fintech_ui.db import now, run
from fintech_ui.services import orders

router = APIRouter(tags=["orders"], responses=schemas.errors(401))


@router.post(
    "/checkout",
    status_code=201,
    openapi_extra=schemas.json_body(schemas.CheckoutBody, required=False),
    responses=schemas.errors(400, 409, 413, 422),
)
async def checkout(
    user: CurrentUser,
    body: Annotated[schemas.CheckoutBody, Depends(parsed(schemas.CheckoutBody, optional=True))],
    idempotency_key: Annotated[str, Header()] = "",
) -> schemas.OrderOut:
    """Buy the cart (or one line) once per Idempotency-Key; with `cart_version`, only the cart
    of that version (409 when it changed since)."""
    order = await run(
        orders.checkout_or_replay,
        user_id=user.id,
        idempotency_key=idempotency_key,
        item_id=body.item_id,
        cart_version=body.cart_version,
        now=now(),
    )
    return schemas.order(order)


@router.get("/orders")
async def list_user_orders(user: CurrentUser) -> schemas.OrderList:
    """The user's orders, newest first."""
    views = await run(orders.list_orders, user_id=user.id, read_only=True)
    return schemas.OrderList(orders=[schemas.order(view) for view in views])


@router.get("/orders/{order_id}", responses=schemas.errors(404, 422))
async def get_user_order(order_id: int, user: CurrentUser) -> schemas.OrderOut:
    """One of the user's orders; anyone else's is 404."""
    view = await run(orders.get_order, user_id=user.id, order_id=order_id, read_only=True)
    if view is None:
        raise ApiError(404, "Order not found.")
    return schemas.order(view)
