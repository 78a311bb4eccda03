"""Test data for every test folder: users, items, carts, orders, sessions and deposits.

Each function takes an open `db` session (a transaction the caller commits, e.g. from
`fintech_ui.db.session_scope(engine)`) and returns plain values (ids, tokens), so the same
factories serve the service tests (a database of the test's own), the state and API tests
(the process-wide database) and the browser tests. Names and SKUs are unique per process, and
names sort in creation order, so tests on a shared database never collide.

Money and stock move through the services (deposits through the ledger, cart lines through
the cart service), never around them, so every row a factory writes obeys the invariants the
tests check (a balance is the sum of its ledger).
"""

from __future__ import annotations

import itertools
import uuid

from sqlmodel import Session

from fintech_ui.models import Account, Item, User
from fintech_ui.services import cart as carts
from fintech_ui.services import ledger
from fintech_ui.services.accounts import register
from fintech_ui.services.sessions import create_session
from fintech_ui.settings import Settings, get_settings

T0 = 1_700_000_000  # a fixed clock for tests that issue no tokens
_numbers = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    """A fresh valid username (letters, digits and '_'): `prefix` plus 12 hex digits."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def user(
    db: Session,
    name: str | None = None,
    *,
    password: str | None = None,
    settings: Settings | None = None,
    balance_cents: int = 0,
    now: int = T0,
) -> int:
    """A user with an account; its id.

    With `password` the user is registered through the accounts service (policy and bcrypt at
    the configured cost), so it can log in; without, the row gets an unusable hash and costs
    no bcrypt. `balance_cents` is deposited through the ledger.
    """
    name = name or unique_name()
    if password is not None:
        registered = register(
            db, username=name, password=password, settings=settings or get_settings(), now=now
        )
        db.flush()
        user_id = registered.id
    else:
        row = User(username=name, username_key=name.lower(), password_hash="x", created_at=now)
        db.add(row)
        db.flush()
        user_id = row.id
        db.add(Account(user_id=user_id, balance_cents=0))
        db.flush()
    assert user_id is not None
    fund(db, user_id, balance_cents, now=now)
    return user_id


def fund(db: Session, user_id: int, cents: int, *, now: int = T0) -> None:
    """Deposit `cents` through the ledger, split into top-ups the ledger allows."""
    while cents > 0:
        step = min(cents, ledger.MAX_DEPOSIT_CENTS)
        key = uuid.uuid4().hex
        ledger.deposit(db, user_id=user_id, amount_cents=step, idempotency_key=key, now=now)
        cents -= step


def item(
    db: Session,
    name: str | None = None,
    *,
    sku: str | None = None,
    category: str = "fund",
    price_cents: int = 1000,
    stock: int = 10,
    active: bool = True,
    risk_level: int = 3,
    description: str = "Made by a test.",
) -> Item:
    """A product (the row, detached once the caller's transaction ends: read its fields)."""
    number = next(_numbers)
    name = name if name is not None else f"Test Product {number:06d}"
    row = Item(
        sku=sku or f"T-{number:06d}-{uuid.uuid4().hex[:8]}",
        name=name,
        name_key=name.lower(),
        category=category,
        description=description,
        price_cents=price_cents,
        stock=stock,
        risk_level=risk_level,
        is_active=active,
    )
    db.add(row)
    db.flush()
    assert row.id is not None
    return row


def put_in_cart(db: Session, user_id: int, item_id: int, quantity: int = 1, *, now: int = T0):
    """Put units of a product in a user's cart through the cart service."""
    carts.add_item(
        db, carts.CartOwner(user_id=user_id), item_id=item_id, quantity=quantity, now=now
    )


def session_token(db: Session, user_id: int, *, now: int, settings: Settings | None = None) -> str:
    """A live session token for the user, opened at `now` without a password."""
    row = db.get(User, user_id)
    assert row is not None
    return create_session(db, user=row, settings=settings or get_settings(), now=now)


def order(scope, user_id: int, item_id: int, quantity: int = 1, *, now: int) -> int:
    """An order of `quantity` units placed through checkout (money deposited first); its id.

    `scope` is a transaction factory such as `functools.partial(session_scope, engine)`:
    checkout runs in a transaction of its own.
    """
    from fintech_ui.services.orders import checkout

    with scope() as db:
        row = db.get(Item, item_id)
        assert row is not None
        put_in_cart(db, user_id, item_id, quantity, now=now)
        fund(db, user_id, row.price_cents * quantity, now=now)
    placed = checkout(
        scope, user_id=user_id, idempotency_key=uuid.uuid4().hex, item_id=item_id, now=now
    )
    assert placed.id is not None
    return placed.id


def make_admin(db: Session, user_id: int) -> int:
    """Give an existing user the admin role (as `cli make-admin` does); its id."""
    row = db.get(User, user_id)
    assert row is not None
    row.role = "admin"
    db.add(row)
    db.flush()
    return user_id
