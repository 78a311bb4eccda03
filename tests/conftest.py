"""Shared fixtures. The environment is set before any app module reads its settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TEST_DATA = Path(tempfile.mkdtemp(prefix="fintech-test-"))
os.environ.setdefault("FINTECH_DATA_DIR", str(_TEST_DATA))
os.environ["FINTECH_DATABASE_URL"] = f"sqlite:///{_TEST_DATA / 'app.db'}"
os.environ["FINTECH_ENV"] = "test"
os.environ.setdefault("FINTECH_BCRYPT_ROUNDS", "4")  # allowed only with FINTECH_ENV=test
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_USE_NPM", "1")

import pytest  # noqa: E402
from sqlmodel import Session  # noqa: E402

from fintech_ui.db import make_engine, migrate  # noqa: E402
from fintech_ui.settings import Settings, get_settings  # noqa: E402

migrate()  # the process-wide database used by state and browser tests


@pytest.fixture
def settings() -> Settings:
    """The test settings (bcrypt cost 4, generated keys in a temporary directory)."""
    return get_settings()


@pytest.fixture
def db(tmp_path: Path):
    """A session on a fresh, fully migrated SQLite database of its own."""
    url = f"sqlite:///{tmp_path / 'service.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()
