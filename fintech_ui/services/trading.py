"""Selling holdings and withdrawing cash: money out of the portfolio, with checkout's care.

Both take row locks in one fixed order (the product, then the account) before reading what
they check, so two tabs selling the last units or withdrawing the whole balance run one
after the other, and checkout (items, then the account) cannot deadlock with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from fintech_ui.errors import DomainError
from fintech_ui.models import Account, Item, Order, OrderLine, Sale, Withdrawal
from fintech_ui.money import format_cents, parse_amount
from fintech_ui.services.ids import stored_id
from fintech_ui.services.ledger import balance_cents, credit_for_sale, debit_for_withdrawal

DAY = 86_400
MAX_UNITS = 2**31 - 1
MIN_WITHDRAWAL_CENTS = 1
DAILY_WITHDRAWAL_LIMIT_CENTS = 5_000_000  # $50,000.00 per UTC day


class TradingError(DomainError):
    """A sale or withdrawal was refused; nothing changed."""


class KeyReused(TradingError):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True)
class SaleView:
    """A completed sale, as its owner sees it."""

    id: int
    item_id: int
    sku: str
    name: str
    units: int
    unit_price_cents: int
    proceeds_cents: int
    cost_basis_cents: int
    realised_gain_cents: int
    balance_cents: int
    created_at: int


@dataclass(frozen=True)
class WithdrawalView:
    """A completed withdrawal and the balance after it."""

    id: int
    amount_cents: int
    balance_cents: int
    created_at: int


def check_key(key: object) -> str:
    """An idempotency key: 8 to 64 printable ASCII characters."""
    if (
        not isinstance(key, str)
        or not 8 <= len(key) <= 64
        or not all(33 <= ord(ch) < 127 for ch in key)
    ):
        raise TradingError("Missing or malformed idempotency key.")
    return key


def _lock_account(db: Session, user_id: int) -> int | None:
    return db.exec(
        select(Account.balance_cents).where(Account.user_id == user_id).with_for_update()
    ).first()


def position(db: Session, *, user_id: int, item_id: int) -> tuple[int, int]:
    """(units held, their remaining cost in cents) from the user's orders and sales."""
    bought_units, bought_cost = db.exec(
        select(
            func.coalesce(func.sum(OrderLine.quantity), 0),
            func.coalesce(func.sum(OrderLine.line_total_cents), 0),
        )
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(Order.user_id == user_id, OrderLine.item_id == item_id)
    ).one()
    sold_units, sold_cost = db.exec(
        select(
            func.coalesce(func.sum(Sale.units), 0),
            func.coalesce(func.sum(Sale.cost_basis_cents), 0),
        ).where(Sale.user_id == user_id, Sale.item_id == item_id)
    ).one()
    return int(bought_units) - int(sold_units), int(bought_cost) - int(sold_cost)


def cost_basis(held_units: int, held_cost_cents: int, units: int) -> int:
    """The average cost of `units` of a position, rounded half up; all of it when all are sold."""
    if units == held_units:
        return held_cost_cents
    return (2 * held_cost_cents * units + held_units) // (2 * held_units)


def _sale_view(db: Session, sale: Sale, item: Item) -> SaleView:
    return SaleView(
        id=stored_id(sale),
        item_id=sale.item_id,
        sku=item.sku,
        name=item.name,
        units=sale.units,
        unit_price_cents=sale.unit_price_cents,
        proceeds_cents=sale.proceeds_cents,
        cost_basis_cents=sale.cost_basis_cents,
        realised_gain_cents=sale.realised_gain_cents,
        balance_cents=balance_cents(db, user_id=sale.user_id),
        created_at=sale.created_at,
    )


def sell(
    db: Session, *, user_id: int, item_id: object, units: object, idempotency_key: object, now: int
) -> SaleView:
    """Sell units of a holding at today's price; the same key sells once and answers the same."""
    key = check_key(idempotency_key)
    if type(item_id) is not int or not 0 < item_id < 2**31:
        raise TradingError("You do not hold that product.")
    if type(units) is not int or not 0 < units <= MAX_UNITS:
        raise TradingError("Enter a whole number of units, at least 1.")
    item = db.exec(select(Item).where(Item.id == item_id).with_for_update()).first()
    if _lock_account(db, user_id) is None or item is None:
        raise TradingError("You do not hold that product.")
    existing = db.exec(
        select(Sale).where(Sale.user_id == user_id, Sale.idempotency_key == key)
    ).first()
    if existing is not None:
        if existing.item_id != item_id or existing.units != units:
            raise KeyReused("This sale request was already used for a different sale.")
        return _sale_view(db, existing, db.get(Item, existing.item_id) or item)
    held, held_cost = position(db, user_id=user_id, item_id=item_id)
    if held <= 0:
        raise TradingError(f"You do not hold any {item.name}.")
    if units > held:
        raise TradingError(f"You hold only {held} units of {item.name}.")
    basis = cost_basis(held, held_cost, units)
    proceeds = units * item.price_cents
    sale = Sale(
        user_id=user_id,
        item_id=item_id,
        idempotency_key=key,
        units=units,
        unit_price_cents=item.price_cents,
        proceeds_cents=proceeds,
        cost_basis_cents=basis,
        realised_gain_cents=proceeds - basis,
        created_at=now,
    )
    db.add(sale)
    db.flush()
    db.exec(update(Item).where(col(Item.id) == item_id).values(stock=Item.stock + units))
    credit_for_sale(db, user_id=user_id, amount_cents=proceeds, sale_id=stored_id(sale), now=now)
    return _sale_view(db, sale, item)


def withdrawn_today(db: Session, *, user_id: int, now: int) -> int:
    """Cents withdrawn since the start of the current UTC day."""
    start = now // DAY * DAY
    total = db.exec(
        select(func.coalesce(func.sum(Withdrawal.amount_cents), 0)).where(
            Withdrawal.user_id == user_id, col(Withdrawal.created_at) >= start
        )
    ).one()
    return int(total)


def withdraw(
    db: Session, *, user_id: int, amount_cents: object, idempotency_key: object, now: int
) -> WithdrawalView:
    """Send cash to the (simulated) bank account: within the balance and the daily limit."""
    key = check_key(idempotency_key)
    if type(amount_cents) is not int or not 0 < amount_cents <= DAILY_WITHDRAWAL_LIMIT_CENTS:
        raise TradingError(
            f"Enter an amount from {format_cents(MIN_WITHDRAWAL_CENTS)} "
            f"to {format_cents(DAILY_WITHDRAWAL_LIMIT_CENTS)}."
        )
    balance = _lock_account(db, user_id)
    existing = db.exec(
        select(Withdrawal).where(Withdrawal.user_id == user_id, Withdrawal.idempotency_key == key)
    ).first()
    if existing is not None:
        if existing.amount_cents != amount_cents:
            raise KeyReused("This withdrawal request was already used for a different amount.")
        return WithdrawalView(
            id=stored_id(existing),
            amount_cents=existing.amount_cents,
            balance_cents=balance_cents(db, user_id=user_id),
            created_at=existing.created_at,
        )
    if balance is None or balance < amount_cents:
        raise TradingError(f"Not enough money: your balance is {format_cents(balance or 0)}.")
    left_today = DAILY_WITHDRAWAL_LIMIT_CENTS - withdrawn_today(db, user_id=user_id, now=now)
    if amount_cents > left_today:
        raise TradingError(
            f"Withdrawals are limited to {format_cents(DAILY_WITHDRAWAL_LIMIT_CENTS)} a day: "
            f"you can withdraw {format_cents(max(0, left_today))} more today."
        )
    withdrawal = Withdrawal(
        user_id=user_id, idempotency_key=key, amount_cents=amount_cents, created_at=now
    )
    db.add(withdrawal)
    db.flush()
    entry = debit_for_withdrawal(
        db, user_id=user_id, amount_cents=amount_cents, withdrawal_id=stored_id(withdrawal), now=now
    )
    if entry is None:  # unreachable while the account row is locked; never pay out twice
        raise TradingError(f"Not enough money: your balance is {format_cents(balance)}.")
    return WithdrawalView(
        id=stored_id(withdrawal),
        amount_cents=amount_cents,
        balance_cents=entry.balance_after_cents,
        created_at=now,
    )


def withdraw_amount(
    db: Session, *, user_id: int, amount: object, idempotency_key: object, now: int
) -> WithdrawalView:
    """Withdraw an amount as typed ("25.50"), so the form and the API share one reading of it
    (MoneyError for text that is not an amount within the limits)."""
    cents = parse_amount(
        amount, min_cents=MIN_WITHDRAWAL_CENTS, max_cents=DAILY_WITHDRAWAL_LIMIT_CENTS
    )
    return withdraw(
        db, user_id=user_id, amount_cents=cents, idempotency_key=idempotency_key, now=now
    )
