"""Back office: user roles, the audit log, stock adjustments, the live-change feed, a daily
sales rollup kept by a trigger, and the indexes the analytics aggregate over.

Revision ID: 0006
Revises: 0004_portfolio (to be re-chained after 0005 at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Every order line adds to its product's day (the order's created_at // 86400); orders and
# their lines are never updated or deleted, so an AFTER INSERT trigger keeps the rollup exact.
_SQLITE_TRIGGER = """
CREATE TRIGGER order_lines_sales_daily AFTER INSERT ON order_lines BEGIN
  INSERT INTO sales_daily (day, item_id, units, revenue_cents)
  SELECT created_at / 86400, NEW.item_id, NEW.quantity, NEW.line_total_cents
  FROM orders WHERE id = NEW.order_id
  ON CONFLICT (day, item_id) DO UPDATE SET
    units = units + excluded.units, revenue_cents = revenue_cents + excluded.revenue_cents;
END
"""
_POSTGRES_TRIGGER = [
    """
CREATE FUNCTION sales_daily_add() RETURNS trigger AS $$
BEGIN
  INSERT INTO sales_daily (day, item_id, units, revenue_cents)
  SELECT o.created_at / 86400, NEW.item_id, NEW.quantity, NEW.line_total_cents
  FROM orders o WHERE o.id = NEW.order_id
  ON CONFLICT (day, item_id) DO UPDATE SET
    units = sales_daily.units + EXCLUDED.units,
    revenue_cents = sales_daily.revenue_cents + EXCLUDED.revenue_cents;
  RETURN NEW;
END
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER order_lines_sales_daily AFTER INSERT ON order_lines "
    "FOR EACH ROW EXECUTE FUNCTION sales_daily_add()",
]
_BACKFILL = (
    "INSERT INTO sales_daily (day, item_id, units, revenue_cents) "
    "SELECT o.created_at / 86400, l.item_id, SUM(l.quantity), SUM(l.line_total_cents) "
    "FROM order_lines l JOIN orders o ON o.id = l.order_id "
    "GROUP BY o.created_at / 86400, l.item_id"
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="customer",
            )
        )
        batch.create_check_constraint("ck_users_role", "role IN ('customer', 'admin')")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("before_json", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("after_json", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at", "id"], unique=False)
    op.create_table(
        "stock_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_stock_adjustments_item_id"), "stock_adjustments", ["item_id"], unique=False
    )
    op.create_table(
        "live_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sales_daily",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("day", "item_id"),
    )
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SQLITE_TRIGGER)
    else:
        for statement in _POSTGRES_TRIGGER:
            op.execute(statement)
    op.create_index(
        "ix_orders_created_total", "orders", ["created_at", "total_cents"], unique=False
    )
    op.create_index(
        "ix_ledger_kind_created",
        "ledger_entries",
        ["kind", "created_at", "amount_cents"],
        unique=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS order_lines_sales_daily")
    else:
        op.execute("DROP TRIGGER IF EXISTS order_lines_sales_daily ON order_lines")
        op.execute("DROP FUNCTION IF EXISTS sales_daily_add()")
    op.drop_table("sales_daily")
    op.drop_index("ix_ledger_kind_created", table_name="ledger_entries")
    op.drop_index("ix_orders_created_total", table_name="orders")
    op.drop_table("live_changes")
    op.drop_index(op.f("ix_stock_adjustments_item_id"), table_name="stock_adjustments")
    op.drop_table("stock_adjustments")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.drop_column("role")
