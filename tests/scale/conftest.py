"""Fixtures of the scale-out and fault tests; the machinery lives in scale_support.py.

Missing PostgreSQL or redis-server skips the tests that need them, unless
FINTECH_REQUIRE_SERVICES=1 (CI): then they fail. Missing Chromium likewise, with
FINTECH_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scale_support import (
    EXPECT_TIMEOUT_MS,
    AppServer,
    RedisServer,
    build_root,
    free_port,
    postgres_database,
    require_chromium,
    require_redis_server,
)
from sqlalchemy.engine import Engine

from testsupport.app import chromium


@pytest.fixture(scope="session")
def app_root() -> Iterator[Path]:
    """The deployed app (config, code, assets) in a directory of its own, for the session.

    Shared so that the frontend packages are installed once; only one app runs at a time.
    """
    root = build_root()
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_factory(tmp_path_factory) -> Iterator[Callable[[], RedisServer]]:
    """`redis_factory()`: a started redis-server on a free port, stopped after the module."""
    binary = require_redis_server()
    servers: list[RedisServer] = []

    def _make() -> RedisServer:
        port = free_port()
        server = RedisServer(binary, port, tmp_path_factory.mktemp("redis") / f"{port}.log")
        servers.append(server)
        server.start()
        return server

    yield _make
    for server in servers:
        server.stop()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database of this test's own."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium under Playwright (module-scoped, see tests/e2e/conftest.py)."""
    require_chromium()
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser) -> Iterator:
    """A page in a fresh browser profile; `expect` waits up to EXPECT_TIMEOUT_MS."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context()
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    context.set_default_navigation_timeout(EXPECT_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def engine(app: AppServer) -> Iterator[Engine]:
    """An engine on the database of the module's `app` (each browser module defines `app`)."""
    engine = app.engine()
    yield engine
    engine.dispose()
