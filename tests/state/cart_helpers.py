"""Helpers and hostile inputs shared by the cart state tests
(tests/state/test_cart_*_state.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from fintech_ui.db import session_scope
from fintech_ui.models import Cart, Item, Order
from fintech_ui.state.cart import CartState


def order_count() -> int:
    """All orders of all users."""
    with session_scope(read_only=True) as db:
        return db.exec(select(func.count()).select_from(Order)).one()


def item_stock(item_id: int) -> int:
    with session_scope(read_only=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        return item.stock


def set_price(item_id: int, price_cents: int) -> None:
    """Change a product's price in the catalogue, as an operator would."""
    with session_scope() as db:
        db.exec(update(Item).where(col(Item.id) == item_id).values(price_cents=price_cents))


def visitor_cart_exists(token: str) -> bool:
    with session_scope(read_only=True) as db:
        return db.exec(select(Cart.id).where(Cart.visitor_token == token)).first() is not None


def row_ids(state: CartState) -> list[int]:
    return [row.item_id for row in state.rows]


NOT_IN_CART = "That product is not in your cart."
DOES_NOT_EXIST = "That product does not exist."
NOT_AVAILABLE = "That product is not available."
CLEAR_ITEM_ERRORS = {NOT_IN_CART, DOES_NOT_EXIST, NOT_AVAILABLE}

ITEM_HANDLERS = {
    "add_to_cart": CartState.add_to_cart,
    "increase": CartState.increase,
    "decrease": CartState.decrease,
    "remove": CartState.remove,
    "buy_line": CartState.buy_line,
}

# Literal ids a browser can send; "<...>" names are resolved per test (see hostile_id).
HOSTILE_ITEM_IDS: dict[str, Any] = {
    "minus one": -1,
    "zero": 0,
    "float 1.5": 1.5,
    "word": "abc",
    "numeric string": "1",
    "true": True,
    "none": None,
    "empty list": [],
    "empty dict": {},
    "10**12": 10**12,
    "2**64": 2**64,
    "unknown id": 2**31 - 1,
    "inactive product": "<inactive>",
    "cart product as float": "<cart float>",
    "cart product as string": "<cart str>",
    "cart product in a list": "<cart list>",
    "cart product in a dict": "<cart dict>",
}
