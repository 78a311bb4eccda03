"""Accounts: users, sessions, login codes, failed-login log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("username_key", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(100), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.CheckConstraint("length(username) BETWEEN 3 AND 32", name="ck_users_len"),
    )
    op.create_index("ix_users_username_key", "users", ["username_key"], unique=True)
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("last_seen_at", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.Integer, nullable=False),
        sa.Column("revoked_at", sa.Integer, nullable=True),
    )
    op.create_index("ix_auth_sessions_jti", "auth_sessions", ["jti"], unique=True)
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "login_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("auth_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("next_path", sa.String(512), nullable=False),
        sa.Column("expires_at", sa.Integer, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("at", sa.Integer, nullable=False),
    )
    op.create_index("ix_login_failures_scope_key_at", "login_failures", ["scope", "key", "at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("login_codes")
    op.drop_table("auth_sessions")
    op.drop_table("users")
