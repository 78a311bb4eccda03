"""Account security: 64-bit money and time on PostgreSQL, look-alike usernames, deposit
idempotency keys, session kind and address, password-reset tokens.

Revision ID: 0005
Revises: 0004_portfolio
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004_portfolio"
branch_labels = None
depends_on = None

# Money in cents and UNIX seconds: INTEGER ends at $21,474,836.47 and in January 2038.
BIGINT_COLUMNS = {
    "users": ["created_at"],
    "auth_sessions": ["created_at", "last_seen_at", "expires_at", "revoked_at"],
    "login_codes": ["expires_at"],
    "login_failures": ["at"],
    "items": ["price_cents"],
    "accounts": ["balance_cents"],
    "ledger_entries": ["amount_cents", "balance_after_cents", "created_at"],
    "carts": ["updated_at"],
    "cart_lines": ["seen_price_cents", "added_at"],
    "orders": ["total_cents", "created_at"],
    "order_lines": ["unit_price_cents", "line_total_cents"],
}


def _widen(to: sa.types.TypeEngine, start: sa.types.TypeEngine) -> None:
    # SQLite's INTEGER is 64-bit already: only PostgreSQL changes.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in BIGINT_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=to, existing_type=start)


def _backfill_skeletons() -> None:
    # The first user (by id) with a given look is kept; later look-alikes keep logging in but
    # hold no skeleton, so neither can be imitated again by a new registration.
    from fintech_ui.security import username_skeleton

    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("username_skeleton", sa.String),
    )
    bind = op.get_bind()
    seen: set[str] = set()
    for user_id, username in bind.execute(
        sa.select(users.c.id, users.c.username).order_by(users.c.id)
    ).all():
        skeleton = username_skeleton(username)[:64]
        if skeleton in seen:
            continue
        seen.add(skeleton)
        bind.execute(users.update().where(users.c.id == user_id).values(username_skeleton=skeleton))


def upgrade() -> None:
    _widen(sa.BigInteger(), sa.Integer())
    op.add_column("users", sa.Column("username_skeleton", sa.String(64), nullable=True))
    _backfill_skeletons()
    op.create_index("ix_users_username_skeleton", "users", ["username_skeleton"], unique=True)
    op.add_column(
        "auth_sessions",
        sa.Column("kind", sa.String(8), nullable=False, server_default="browser"),
    )
    op.add_column(
        "auth_sessions",
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
    )
    op.add_column("ledger_entries", sa.Column("idempotency_key", sa.String(64), nullable=True))
    op.create_index(
        "ux_ledger_user_key", "ledger_entries", ["user_id", "idempotency_key"], unique=True
    )
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "expires_at", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_resets_user_id", table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_index("ux_ledger_user_key", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("address")
        batch.drop_column("kind")
    op.drop_index("ix_users_username_skeleton", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("username_skeleton")
    _widen(sa.Integer(), sa.BigInteger())
