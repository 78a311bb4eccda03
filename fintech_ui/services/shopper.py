"""A shopper's cart in one transaction: who is asking (their session, checked in the
database on every change, so a revoked login stops at once) and the change itself.

The cart page's events come here: one trip to a worker thread and one transaction per click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from fintech_ui.durability import money_free
from fintech_ui.services import cart as carts
from fintech_ui.services.sessions import UserView, resolve_user
from fintech_ui.settings import Settings


@dataclass(frozen=True)
class ShopperCart:
    """The shopper (None: a visitor) and their cart as it is after the change."""

    user: UserView | None
    cart: carts.CartSummary


def _owner(
    db: Session, *, session_token: str, visitor_token: object, settings: Settings, now: int
) -> tuple[UserView | None, carts.CartOwner | None]:
    user = None
    if session_token:
        user = resolve_user(db, session_token, settings=settings, now=now)
    if user is not None:
        return user, carts.CartOwner(user_id=user.id)
    if carts.valid_visitor_token(visitor_token):
        return None, carts.CartOwner(visitor_token=visitor_token)
    return None, None


@money_free
def change_cart(
    db: Session,
    change: Callable[..., carts.CartSummary],
    *,
    session_token: str,
    visitor_token: str,
    settings: Settings,
    now: int,
    **kwargs: Any,
) -> ShopperCart:
    """Check the session, then apply `change` (carts.add, .decrease, ...) to the cart of the
    user, or of the visitor's token when nobody is logged in. Cart changes move no money."""
    user, owner = _owner(
        db, session_token=session_token, visitor_token=visitor_token, settings=settings, now=now
    )
    if owner is None:
        raise carts.CartError("Your cart could not be found. Reload the page.")
    return ShopperCart(user=user, cart=change(db, owner, now=now, **kwargs))


def view_cart(
    db: Session, *, session_token: str, visitor_token: object, settings: Settings, now: int
) -> ShopperCart:
    """The shopper's cart as the database has it (nobody and no visitor cart: empty)."""
    user, owner = _owner(
        db, session_token=session_token, visitor_token=visitor_token, settings=settings, now=now
    )
    return ShopperCart(user=user, cart=carts.view(db, owner))
