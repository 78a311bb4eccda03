"""Shared fixtures. The environment is set before any app module reads its settings."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import sqlalchemy

_TEST_DATA = Path(tempfile.mkdtemp(prefix="fintech-test-"))
atexit.register(shutil.rmtree, _TEST_DATA, ignore_errors=True)
_PG_SERVER = os.environ.get(
    "FINTECH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _fresh_postgres_database() -> str:
    """A new, empty PostgreSQL database for this test run, dropped when the run ends."""
    name = f"fintech_t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(_PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from fintech_ui.db import get_engine

        get_engine().dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    atexit.register(drop)
    return str(sqlalchemy.make_url(_PG_SERVER).set(database=name))


os.environ.setdefault("FINTECH_DATA_DIR", str(_TEST_DATA))
# FINTECH_TEST_APP_DB=postgres runs the state (and browser) tests against PostgreSQL.
if os.environ.get("FINTECH_TEST_APP_DB") == "postgres":
    os.environ["FINTECH_DATABASE_URL"] = _fresh_postgres_database()
else:
    os.environ["FINTECH_DATABASE_URL"] = f"sqlite:///{_TEST_DATA / 'app.db'}"
os.environ["FINTECH_ENV"] = "test"
os.environ.setdefault("FINTECH_BCRYPT_ROUNDS", "4")  # allowed only with FINTECH_ENV=test
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_USE_NPM", "1")
# Every browser test runs under the production security headers (CSP and friends).
os.environ.setdefault("FINTECH_SECURITY_HEADERS", "true")

import pytest  # noqa: E402

from fintech_ui.db import migrate  # noqa: E402
from fintech_ui.settings import Settings, get_settings  # noqa: E402

migrate()  # the process-wide database used by state and browser tests


@pytest.fixture
def settings() -> Settings:
    """The test settings (bcrypt cost 4, generated keys in a temporary directory)."""
    return get_settings()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser and scale tests race real servers on a shared 2-core machine: a run under load
    may miss a timing window, so each gets one retry. A bug fails both tries."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("scale"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
