"""Portfolio: price history, sales and withdrawals; the ledger learns "sale" and "withdrawal".

Every existing product gets one price point (its current price, as of the migration), so each
product has a history to chart from the start.

Revision ID: 0004_portfolio
Revises: 0003
"""

import time

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_portfolio"
down_revision = "0003"
branch_labels = None
depends_on = None

_OLD_KINDS = "kind IN ('deposit', 'purchase')"
_NEW_KINDS = "kind IN ('deposit', 'purchase', 'sale', 'withdrawal')"


def upgrade() -> None:
    op.create_table(
        "price_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("price_cents > 0", name="ck_price_points_price"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_price_points_item_at", "price_points", ["item_id", "at", "price_cents"], unique=False
    )
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("proceeds_cents", sa.BigInteger(), nullable=False),
        sa.Column("cost_basis_cents", sa.BigInteger(), nullable=False),
        sa.Column("realised_gain_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("units > 0", name="ck_sales_units"),
        sa.CheckConstraint("unit_price_cents > 0", name="ck_sales_price"),
        sa.CheckConstraint("proceeds_cents = units * unit_price_cents", name="ck_sales_proceeds"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_sales_user_key", "sales", ["user_id", "idempotency_key"], unique=True)
    op.create_index(
        "ix_sales_user_item",
        "sales",
        ["user_id", "item_id", "units", "cost_basis_cents"],
        unique=False,
    )
    op.create_table(
        "withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name="ck_withdrawals_amount"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_withdrawals_user_key", "withdrawals", ["user_id", "idempotency_key"], unique=True
    )
    op.create_index(
        "ix_withdrawals_user_at",
        "withdrawals",
        ["user_id", "created_at", "amount_cents"],
        unique=False,
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sale_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_ledger_sale", "sales", ["sale_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_ledger_withdrawal", "withdrawals", ["withdrawal_id"], ["id"]
        )
        batch_op.drop_constraint("ck_ledger_kind", type_="check")
        batch_op.create_check_constraint("ck_ledger_kind", _NEW_KINDS)
    op.execute(
        sa.text(
            "INSERT INTO price_points (item_id, at, price_cents) "
            "SELECT id, :at, price_cents FROM items"
        ).bindparams(at=int(time.time()))
    )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ledger_kind", type_="check")
        batch_op.create_check_constraint("ck_ledger_kind", _OLD_KINDS)
        batch_op.drop_constraint("fk_ledger_withdrawal", type_="foreignkey")
        batch_op.drop_constraint("fk_ledger_sale", type_="foreignkey")
        batch_op.drop_column("withdrawal_id")
        batch_op.drop_column("sale_id")
    op.drop_table("withdrawals")
    op.drop_table("sales")
    op.drop_table("price_points")
