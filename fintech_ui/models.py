"""Every database table. Times are integer UNIX seconds (UTC), the same on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer
from sqlmodel import Field, SQLModel

# Money in cents and UNIX seconds outgrow PostgreSQL's 32-bit INTEGER ($21,474,836.47; the
# year 2038). SQLite's INTEGER is already 64-bit, so it keeps its schema (migration 0005).
BIGINT = BigInteger().with_variant(Integer(), "sqlite")


def _big(**kwargs: Any) -> Any:
    """A 64-bit integer column (money or time)."""
    return Field(sa_type=BIGINT, **kwargs)


ROLES = ("customer", "admin")


class User(SQLModel, table=True):
    """An investor's account."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("length(username) BETWEEN 3 AND 32", name="ck_users_len"),
        CheckConstraint("role IN ('customer', 'admin')", name="ck_users_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32)
    # casefolded NFKC form: uniqueness ignores case, display keeps the user's spelling
    username_key: str = Field(max_length=64, unique=True, index=True)
    # what the name looks like (security.username_skeleton): look-alikes of a taken name are
    # refused; NULL for rows made before migration 0005 that collided with an older name
    username_skeleton: str | None = Field(default=None, max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    is_active: bool = Field(default=True)
    created_at: int = _big()
    # "admin" opens the back office; checked in the database on every admin call
    role: str = Field(
        default="customer", max_length=16, sa_column_kwargs={"server_default": "customer"}
    )


class AuthSession(SQLModel, table=True):
    """A login. The JWT names it by `jti`; deleting or revoking the row ends the login at once."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    jti: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: int = _big()
    last_seen_at: int = _big()
    expires_at: int = _big()  # the absolute limit; the idle limit is last_seen_at + idle timeout
    revoked_at: int | None = _big(default=None)
    # "browser" (cookie) or "api" (token), and the client's address at login
    kind: str = Field(
        default="browser", max_length=8, sa_column_kwargs={"server_default": "browser"}
    )
    address: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class LoginCode(SQLModel, table=True):
    """A single-use code the browser swaps for its HttpOnly session cookie."""

    __tablename__ = "login_codes"

    code_hash: str = Field(primary_key=True, max_length=64)  # SHA-256: a leaked table is useless
    session_id: int = Field(foreign_key="auth_sessions.id", ondelete="CASCADE")
    next_path: str = Field(max_length=512)
    expires_at: int = _big()


class LoginFailure(SQLModel, table=True):
    """One failed login, kept for an hour to throttle guessing per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=8)  # "user" or "addr"
    key: str = Field(max_length=128)
    at: int = _big()


CATEGORIES = ("fund", "bond", "stock", "crypto", "commodity")
_CATEGORY_SQL = ", ".join(f"'{c}'" for c in CATEGORIES)


class Item(SQLModel, table=True):
    """A financial product in the catalogue."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(f"category IN ({_CATEGORY_SQL})", name="ck_items_category"),
        CheckConstraint("price_cents > 0", name="ck_items_price"),
        CheckConstraint("stock >= 0", name="ck_items_stock"),
        CheckConstraint("risk_level BETWEEN 1 AND 5", name="ck_items_risk"),
        Index("ix_items_active_name", "is_active", "name_key", "id"),
        Index("ix_items_active_price", "is_active", "price_cents", "id"),
        Index("ix_items_active_category_name", "is_active", "category", "name_key", "id"),
        Index("ix_items_active_category_price", "is_active", "category", "price_cents", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)  # lower-cased name, for search and sorting
    category: str = Field(max_length=16)
    description: str = Field(default="", max_length=1000)
    price_cents: int = _big()
    stock: int
    risk_level: int
    is_active: bool = Field(default=True)


class Account(SQLModel, table=True):
    """A user's money. The balance always equals the sum of the user's ledger entries."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("balance_cents >= 0", name="ck_accounts_balance"),)

    user_id: int = Field(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    balance_cents: int = _big(default=0)


LEDGER_KINDS = ("deposit", "purchase", "sale", "withdrawal")
_LEDGER_KIND_SQL = ", ".join(f"'{k}'" for k in LEDGER_KINDS)


class LedgerEntry(SQLModel, table=True):
    """One movement of money, never updated or deleted: deposits and sales positive, purchases
    and withdrawals negative."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_LEDGER_KIND_SQL})", name="ck_ledger_kind"),
        CheckConstraint("balance_after_cents >= 0", name="ck_ledger_balance"),
        Index("ix_ledger_user_id", "user_id", "id"),
        Index("ix_ledger_kind_created", "kind", "created_at", "amount_cents"),  # analytics
        Index("ux_ledger_user_key", "user_id", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    amount_cents: int = _big()
    balance_after_cents: int = _big()
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    created_at: int = _big()
    sale_id: int | None = Field(default=None, foreign_key="sales.id")
    withdrawal_id: int | None = Field(default=None, foreign_key="withdrawals.id")
    # Deposits only: the client's key for this request; a replay finds the first entry.
    idempotency_key: str | None = Field(default=None, max_length=64)


class Cart(SQLModel, table=True):
    """A cart belongs to a user or, before login, to a visitor's random token."""

    __tablename__ = "carts"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", unique=True, ondelete="CASCADE"
    )
    visitor_token: str | None = Field(default=None, max_length=64, unique=True)
    updated_at: int = _big()


class CartLine(SQLModel, table=True):
    """A product in a cart, with the price the shopper last saw for it."""

    __tablename__ = "cart_lines"
    __table_args__ = (CheckConstraint("quantity BETWEEN 1 AND 50", name="ck_cart_lines_qty"),)

    cart_id: int = Field(primary_key=True, foreign_key="carts.id", ondelete="CASCADE")
    item_id: int = Field(primary_key=True, foreign_key="items.id")
    quantity: int
    seen_price_cents: int = _big()
    added_at: int = _big()


class Order(SQLModel, table=True):
    """A completed purchase; its lines keep the name and price paid."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_cents > 0", name="ck_orders_total"),
        Index("ux_orders_user_key", "user_id", "idempotency_key", unique=True),
        Index("ix_orders_created_total", "created_at", "total_cents"),  # back-office analytics
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    idempotency_key: str = Field(max_length=64)
    request_fingerprint: str = Field(max_length=64)
    total_cents: int = _big()
    created_at: int = _big()


class OrderLine(SQLModel, table=True):
    """One product of an order at the price paid."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_lines_qty"),)

    order_id: int = Field(primary_key=True, foreign_key="orders.id", ondelete="CASCADE")
    item_id: int = Field(primary_key=True, foreign_key="items.id")
    sku: str = Field(max_length=32)
    name: str = Field(max_length=120)
    unit_price_cents: int = _big()
    quantity: int
    line_total_cents: int = _big()


class PricePoint(SQLModel, table=True):
    """A product's price from `at` on; appended on every change, never updated or deleted."""

    __tablename__ = "price_points"
    __table_args__ = (
        CheckConstraint("price_cents > 0", name="ck_price_points_price"),
        # covering: a product's history in time order without touching the table
        Index("ix_price_points_item_at", "item_id", "at", "price_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    at: int = Field(sa_type=BigInteger)
    price_cents: int = Field(sa_type=BigInteger)


class Sale(SQLModel, table=True):
    """Units of a product sold back at the current price, with the realised gain (average cost)."""

    __tablename__ = "sales"
    __table_args__ = (
        CheckConstraint("units > 0", name="ck_sales_units"),
        CheckConstraint("unit_price_cents > 0", name="ck_sales_price"),
        CheckConstraint("proceeds_cents = units * unit_price_cents", name="ck_sales_proceeds"),
        Index("ux_sales_user_key", "user_id", "idempotency_key", unique=True),
        Index("ix_sales_user_item", "user_id", "item_id", "units", "cost_basis_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    item_id: int = Field(foreign_key="items.id")
    idempotency_key: str = Field(max_length=64)
    units: int
    unit_price_cents: int = Field(sa_type=BigInteger)
    proceeds_cents: int = Field(sa_type=BigInteger)
    cost_basis_cents: int = Field(sa_type=BigInteger)
    realised_gain_cents: int = Field(sa_type=BigInteger)
    created_at: int = Field(sa_type=BigInteger)


class Withdrawal(SQLModel, table=True):
    """Money sent out to the investor's (simulated) bank account."""

    __tablename__ = "withdrawals"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="ck_withdrawals_amount"),
        Index("ux_withdrawals_user_key", "user_id", "idempotency_key", unique=True),
        Index("ix_withdrawals_user_at", "user_id", "created_at", "amount_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    idempotency_key: str = Field(max_length=64)
    amount_cents: int = Field(sa_type=BigInteger)
    created_at: int = Field(sa_type=BigInteger)


class AuditEntry(SQLModel, table=True):
    """One back-office action or refused attempt, never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: int = Field(sa_type=BigInteger)
    actor_id: int | None = Field(default=None)  # None: a visitor without a session
    actor_name: str = Field(max_length=32)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=160)
    outcome: str = Field(max_length=8)  # "done" or "denied"
    before_json: str = Field(default="", max_length=4000)
    after_json: str = Field(default="", max_length=4000)


class StockAdjustment(SQLModel, table=True):
    """A stated change of a product's stock and why, by an operator."""

    __tablename__ = "stock_adjustments"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True, ondelete="CASCADE")
    delta: int
    stock_after: int
    reason: str = Field(max_length=200)
    actor_id: int = Field(foreign_key="users.id")
    at: int = Field(sa_type=BigInteger)


class LiveChange(SQLModel, table=True):
    """A product an operator changed: every worker polls this feed and refreshes open tabs."""

    __tablename__ = "live_changes"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int
    at: int = Field(sa_type=BigInteger)


class SalesDaily(SQLModel, table=True):
    """Units and revenue per product and UTC day, kept by a trigger on order_lines (migration
    0006), so the analytics read a year in a few thousand rows instead of every order line."""

    __tablename__ = "sales_daily"

    day: int = Field(primary_key=True)  # created_at // 86400 of the order
    item_id: int = Field(primary_key=True, foreign_key="items.id", ondelete="CASCADE")
    units: int = Field(sa_type=BigInteger)
    revenue_cents: int = Field(sa_type=BigInteger)


class PasswordReset(SQLModel, table=True):
    """A single-use password-reset token an operator handed to a user (stored hashed)."""

    __tablename__ = "password_resets"

    token_hash: str = Field(primary_key=True, max_length=64)  # SHA-256: a leaked table is useless
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    expires_at: int = _big()
