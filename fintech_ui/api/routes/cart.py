"""The cart: the same one the web UI shows for this user; every change answers with it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from fintech_ui.api import schemas
from fintech_ui.api.deps import CurrentUser, parsed
from fintech_ui.db import now, run
from fintech_ui.services import cart as carts

router = APIRouter(tags=["cart"], responses=schemas.errors(401))


def _owner(user: CurrentUser) -> carts.CartOwner:
    return carts.CartOwner(user_id=user.id)


Owner = Annotated[carts.CartOwner, Depends(_owner)]


@router.get("/cart")
async def get_cart(owner: Owner) -> schemas.CartOut:
    """The cart with its total, count and version."""
    return schemas.cart(await run(carts.view, owner, read_only=True))


@router.post(
    "/cart/items",
    status_code=201,
    openapi_extra=schemas.json_body(schemas.CartAdd),
    responses=schemas.errors(400, 413, 422),
)
async def add_cart_item(
    owner: Owner, body: Annotated[schemas.CartAdd, Depends(parsed(schemas.CartAdd))]
) -> schemas.CartOut:
    """Add units of a product."""
    cart = await run(carts.add, owner, item_id=body.item_id, quantity=body.quantity, now=now())
    return schemas.cart(cart)


@router.patch(
    "/cart/items/{item_id}",
    openapi_extra=schemas.json_body(schemas.CartQuantity),
    responses=schemas.errors(400, 413, 422),
)
async def set_cart_quantity(
    item_id: int,
    owner: Owner,
    body: Annotated[schemas.CartQuantity, Depends(parsed(schemas.CartQuantity))],
) -> schemas.CartOut:
    """Set a line's quantity."""
    cart = await run(carts.set_quantity, owner, item_id=item_id, quantity=body.quantity, now=now())
    return schemas.cart(cart)


@router.delete("/cart/items/{item_id}", responses=schemas.errors(422))
async def remove_cart_item(item_id: int, owner: Owner) -> schemas.CartOut:
    """Remove a line."""
    return schemas.cart(await run(carts.remove, owner, item_id=item_id, now=now()))


@router.post("/cart/accept-prices", responses=schemas.errors(422))
async def accept_prices(owner: Owner) -> schemas.CartOut:
    """Confirm changed prices so checkout can proceed."""
    return schemas.cart(await run(carts.accept_prices, owner, now=now()))
