"""Money beyond $21,474,836.47 and times beyond January 2038 fit on every backend (issue 10, 11).

PostgreSQL's INTEGER is 32-bit: before migration 0005 these raised NumericValueOutOfRange.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, select

from fintech_ui.db import include_in_autogenerate
from fintech_ui.models import Account, AuthSession, LedgerEntry, User
from fintech_ui.services import throttle
from fintech_ui.services.ledger import balance_cents, deposit

INT32_MAX = 2**31 - 1  # cents: $21,474,836.47; seconds: 2038-01-19 03:14:07 UTC
AFTER_2038 = 2_200_000_000  # 2039-09-18


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_in_autogenerate}
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def test_balance_above_int32_accepts_a_deposit(scope, make_user):
    user_id = make_user()
    with scope() as db:
        # A balance built up by earlier deposits, recorded as one entry for brevity.
        db.add(
            LedgerEntry(
                user_id=user_id,
                kind="deposit",
                amount_cents=INT32_MAX,
                balance_after_cents=INT32_MAX,
                created_at=AFTER_2038,
            )
        )
        db.get(Account, user_id).balance_cents = INT32_MAX
    with scope() as db:
        deposit(db, user_id=user_id, amount_cents=100, idempotency_key="k-1", now=AFTER_2038)
    with scope(read_only=True) as db:
        assert balance_cents(db, user_id=user_id) == INT32_MAX + 100
        newest = db.exec(select(LedgerEntry).where(LedgerEntry.idempotency_key == "k-1")).one()
        assert newest.balance_after_cents == INT32_MAX + 100


def test_session_times_after_2038_are_stored(scope, make_user):
    user_id = make_user()
    with scope() as db:
        db.add(
            AuthSession(
                jti="after-2038",
                user_id=user_id,
                created_at=AFTER_2038,
                last_seen_at=AFTER_2038,
                expires_at=AFTER_2038 + 3600,
                revoked_at=AFTER_2038 + 60,
            )
        )
    with scope(read_only=True) as db:
        row = db.exec(select(AuthSession).where(AuthSession.jti == "after-2038")).one()
        assert (row.created_at, row.revoked_at) == (AFTER_2038, AFTER_2038 + 60)


def test_throttle_counts_failures_after_2038(scope):
    with scope() as db:
        for _ in range(throttle.ACCOUNT.free_failures):
            throttle.record_failure(db, account="alice", address="198.51.100.7", now=AFTER_2038)
    with scope(read_only=True) as db:
        wait = throttle.retry_after(db, account="alice", address="x", now=AFTER_2038)
        assert wait == 1


def test_user_created_after_2038(scope):
    with scope() as db:
        db.add(
            User(username="future", username_key="future", password_hash="x", created_at=AFTER_2038)
        )
    with scope(read_only=True) as db:
        assert db.exec(select(User.created_at).where(User.username == "future")).one() == AFTER_2038


def _alembic(database_url: str):
    from alembic.config import Config

    from fintech_ui.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def test_migration_0005_downgrades_and_upgrades_again_keeping_rows(database_url, scope, make_user):
    from alembic import command

    user_id = make_user("keeper")
    command.downgrade(_alembic(database_url), "0003")
    command.upgrade(_alembic(database_url), "head")
    with scope(read_only=True) as db:
        user = db.get(User, user_id)
        assert (user.username, user.username_skeleton) == ("keeper", "keeper")


def test_migration_0005_gives_existing_look_alikes_one_skeleton(database_url, scope):
    from alembic import command

    from fintech_ui.db import make_engine

    command.downgrade(_alembic(database_url), "0003")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            users = sa.table(
                "users",
                *(sa.column(c) for c in ("username", "username_key", "password_hash")),
                sa.column("is_active", sa.Boolean),
                sa.column("created_at"),
            )
            for name in ("admln", "adm1n", "other"):
                connection.execute(
                    users.insert().values(
                        username=name,
                        username_key=name,
                        password_hash="x",
                        is_active=True,
                        created_at=1,
                    )
                )
    finally:
        engine.dispose()
    command.upgrade(_alembic(database_url), "head")
    with scope(read_only=True) as db:
        rows = db.exec(select(User.username, User.username_skeleton).order_by(User.id)).all()
    assert rows == [("admln", "adm1n"), ("adm1n", None), ("other", "other")]
