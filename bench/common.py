"""What every benchmark shares: results, percentiles, the machine, databases, and the app itself.

* `write_results(name, figures, meta)` writes bench/results/<name>.json; `figure(...)` builds one
  entry ({figure, value, unit, reference_label, reference_value, ratio, target, met, notes}).
* `percentile`, `summarize_ms`: latencies in seconds in, milliseconds out.
* `machine_description()`: CPU model, cores, RAM, OS, Python, Reflex, PostgreSQL and Redis.
* `bench_database(...)`: a dedicated data dir and database (SQLite file, or a PostgreSQL
  database `fintech_bench_<uuid>` dropped afterwards), migrated; yields the FINTECH_* variables.
* `seed(env, ...)`, `create_users(env, ...)`: data through the app's own code, in a subprocess
  with that environment (the app caches its settings and engine per process).
* `RedisServer()`, `free_port`, `wait_for_port`, `stop_process`: from `testsupport`,
  shared with tests/scale (a private redis-server on a free port, never the shared one).
* `ProductionApp(env, workers=N)`: `reflex run --env prod` in a temporary copy directory,
  backend on 127.0.0.1, GRANIAN_WORKERS=N; `frontend=True` adds `--single-port` (the frontend
  is built and served by the same workers, as `make run-prod` does). `.url` is the base URL.

Run as `python -m bench.common users COUNT PREFIX PASSWORD [DEPOSIT_CENTS]` it creates users in
the database named by the environment and prints them as JSON (used by `create_users`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testsupport.app import app_directory, production_command
from testsupport.postgres import postgres_database, postgres_problem
from testsupport.processes import free_port, stop_process, wait_for_port
from testsupport.redis_server import RedisServer

__all__ = [
    "RedisServer",
    "free_port",
    "stop_process",
    "wait_for_port",
]  # re-exported for the benchmarks

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "bench"
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_ADMIN_URL = os.environ.get(
    "FINTECH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
APP_START_TIMEOUT_S = 240.0


# ------------------------------------------------------------------------------------ results


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) as the nearest-ranked sample (no interpolation)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summarize_ms(latencies_s: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p90, p99 and max of latencies given in seconds, in milliseconds."""
    ms = [v * 1000.0 for v in latencies_s]
    return {
        "n": len(ms),
        "mean": sum(ms) / len(ms) if ms else math.nan,
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else math.nan,
    }


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is zero."""
    if value is None or reference is None or not reference or math.isnan(value):
        return None
    if math.isnan(reference):
        return None
    return value / reference


def figure(
    figure: str,
    value: float | None,
    unit: str,
    *,
    reference_label: str | None = None,
    reference_value: float | None = None,
    ratio_value: float | None = None,
    target: str | None = None,
    met: bool | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """One measured figure as written to the results file.

    `ratio_value` defaults to value / reference_value when a reference is given.
    """
    if ratio_value is None and reference_value is not None:
        ratio_value = ratio(value, reference_value)
    return {
        "figure": figure,
        "value": _clean(value),
        "unit": unit,
        "reference_label": reference_label,
        "reference_value": _clean(reference_value),
        "ratio": _clean(ratio_value),
        "target": target,
        "met": met,
        "notes": notes,
    }


def _clean(number: float | None) -> float | None:
    if number is None:
        return None
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        return None
    return round(float(number), 4)


def write_results(
    name: str, figures: list[dict[str, Any]], meta: dict[str, Any] | None = None
) -> Path:
    """Write bench/results/<name>.json: {name, written_at, machine, meta, figures: [...]}."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "name": name,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_description(),
        "meta": meta or {},
        "figures": figures,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"[bench] wrote {path.relative_to(REPO)}", flush=True)
    return path


def log(message: str) -> None:
    """A progress line on stdout, flushed at once (make shows it as it happens)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------------------------ machine


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _command_version(*cmd: str) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (
        (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else None
    )


def fsync_ms(count: int = 100) -> dict[str, float]:
    """p50/p99 of one 4 KiB write + fsync in the temp directory (where the benchmark data lives).

    Every durable commit (SQLite WAL with synchronous=FULL, PostgreSQL's WAL flush) waits for
    one at least, so it bounds how fast a writing event can be on this disk.
    """
    times = []
    fd, path = tempfile.mkstemp(prefix="fintech-bench-fsync-")
    try:
        for _ in range(count):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        os.unlink(path)
    return {
        "p50": round(percentile(times, 50) * 1000, 2),
        "p99": round(percentile(times, 99) * 1000, 2),
    }


_MACHINE: dict[str, Any] | None = None


def machine_description() -> dict[str, Any]:
    """What the figures were measured on."""
    global _MACHINE
    if _MACHINE is None:
        _MACHINE = {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "ram_gib": _ram_gib(),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "reflex": _version("reflex"),
            "python_socketio": _version("python-socketio"),
            "granian": _version("granian"),
            "uvicorn": _version("uvicorn"),
            "sqlalchemy": _version("SQLAlchemy"),
            "bcrypt": _version("bcrypt"),
            "postgresql": _command_version("psql", "--version"),
            "redis": _command_version("redis-server", "--version"),
            "fsync_ms": fsync_ms(),
        }
    return _MACHINE


# ------------------------------------------------------------------------------------ processes


def base_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ, venv first on PATH, npm instead of bun, telemetry off, the repo importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env["REFLEX_USE_NPM"] = "1"
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    # Never inherit another configuration of the app from the caller's shell.
    for name in list(env):
        if name.startswith("FINTECH_") and name != "FINTECH_BENCH_PG":
            del env[name]
    env.update(extra or {})
    return env


def run_python(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """`python ARGS` in the repository with the app configured by `env`; its stdout."""
    out = subprocess.run(
        [PYTHON, *args],
        cwd=REPO,
        env=base_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


# ------------------------------------------------------------------------------------ data


@contextlib.contextmanager
def bench_database(
    kind: str = "sqlite",
    *,
    bcrypt_rounds: int = 4,
    environment: str = "test",
    redis_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> Iterator[dict[str, str]]:
    """A fresh data dir and database, migrated; yields the FINTECH_* variables naming them.

    kind: "sqlite" (a file in the data dir) or "postgres" (database fintech_bench_<uuid> on
    127.0.0.1:5432 as user postgres, dropped on exit). Keys are random per run.
    """
    if kind not in ("sqlite", "postgres"):
        raise ValueError(f"unknown database kind {kind!r}")
    data_dir = Path(tempfile.mkdtemp(prefix="fintech-bench-data-"))
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{data_dir / 'fintech.db'}"
        else:
            url = stack.enter_context(postgres_database("fintech_bench", PG_ADMIN_URL))
        stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
        yield _migrated(url, data_dir, bcrypt_rounds, environment, redis_url, extra)


def _migrated(
    url: str,
    data_dir: Path,
    bcrypt_rounds: int,
    environment: str,
    redis_url: str | None,
    extra: dict[str, str] | None,
) -> dict[str, str]:
    env = {
        "FINTECH_DATA_DIR": str(data_dir),
        "FINTECH_DATABASE_URL": url,
        "FINTECH_SECRET_KEY": secrets.token_urlsafe(48),
        "FINTECH_PASSWORD_PEPPER": secrets.token_urlsafe(48),
        "FINTECH_ENV": environment,
        "FINTECH_BCRYPT_ROUNDS": str(bcrypt_rounds),
    }
    if redis_url:
        env["FINTECH_REDIS_URL"] = redis_url
    if environment == "production":
        # Production refuses "*" or no origins; the app's own port is set when it starts.
        env["FINTECH_ALLOWED_ORIGINS"] = "http://127.0.0.1"
    env.update(extra or {})
    run_python(env, "-m", "fintech_ui.db", "upgrade", timeout=120)
    return env


def postgres_available() -> bool:
    """Whether the PostgreSQL server the production figures need answers."""
    return not postgres_problem(PG_ADMIN_URL)


def seed(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """`python -m fintech_ui.seed ARGS` against the database of `env` (demo | synthetic N)."""
    return run_python(env, "-m", "fintech_ui.seed", *args, timeout=timeout).strip()


@dataclass(frozen=True)
class BenchUser:
    """A user created for a benchmark, with a live session."""

    username: str
    user_id: int
    token: str

    @property
    def cookie(self) -> str:
        """The Cookie header a browser holding this session sends."""
        return f"fintech_session={self.token}"


def create_users(
    env: dict[str, str], count: int, *, prefix: str, password: str, deposit_cents: int = 0
) -> list[BenchUser]:
    """`count` users sharing `password` (hashed once at the configured cost), each logged in."""
    out = run_python(
        env,
        "-m",
        "bench.common",
        "users",
        str(count),
        prefix,
        password,
        str(deposit_cents),
        timeout=600,
    )
    return [BenchUser(**row) for row in json.loads(out)]


def _users_command(count: int, prefix: str, password: str, deposit_cents: int) -> None:
    from fintech_ui.db import session_scope
    from fintech_ui.models import Account, User
    from fintech_ui.security import hash_password, username_key
    from fintech_ui.services import ledger
    from fintech_ui.services.sessions import create_session
    from fintech_ui.settings import get_settings

    settings, now = get_settings(), int(time.time())
    # One bcrypt hash for all: the cost is the configured one, the salt does not matter here.
    password_hash = hash_password(
        password, pepper=settings.password_pepper, rounds=settings.bcrypt_rounds
    )
    rows = []
    with session_scope() as db:
        for index in range(count):
            name = f"{prefix}{index:05d}"
            user = User(
                username=name,
                username_key=username_key(name),
                password_hash=password_hash,
                created_at=now,
            )
            db.add(user)
            db.flush()
            db.add(Account(user_id=user.id, balance_cents=0))
            db.flush()
            if deposit_cents:
                ledger.deposit(
                    db,
                    user_id=user.id,
                    amount_cents=deposit_cents,
                    idempotency_key=uuid.uuid4().hex,
                    now=now,
                )
            token = create_session(db, user=user, settings=settings, now=now)
            rows.append({"username": name, "user_id": user.id, "token": token})
    print(json.dumps(rows))


# ------------------------------------------------------------------------------------ redis


# ------------------------------------------------------------------------------------ the app

# Copy directories whose .web holds a finished build, reusable by the next app of this process
# (a restart in a built directory takes ~5 s instead of ~20 s).
_IDLE_APP_DIRS: list[Path] = []
_ALL_APP_DIRS: list[Path] = []


def _cleanup_app_dirs() -> None:
    for path in _ALL_APP_DIRS:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_cleanup_app_dirs)


def _app_dir() -> Path:
    if _IDLE_APP_DIRS:
        return _IDLE_APP_DIRS.pop()
    root = app_directory(REPO, prefix="fintech-bench-app-")
    _ALL_APP_DIRS.append(root)
    return root


class ProductionApp:
    """`reflex run --env prod` of this repository's code, in a temporary copy directory.

    env: the FINTECH_* variables (from `bench_database`); workers: GRANIAN_WORKERS;
    frontend: also build and serve the frontend on the same port (`--single-port`), otherwise
    `--backend-only` (the websocket, /api and /auth endpoints are the same code either way).
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 1,
        frontend: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.env = dict(env)
        self.workers = workers
        self.frontend = frontend
        self.extra_env = dict(extra_env or {})
        self.port = 0
        self.dir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        """The base URL: http://127.0.0.1:PORT (websocket at /_event, API at /api)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> str:
        """The command line, as a person would type it in the copy directory."""
        mode = "--single-port" if self.frontend else "--backend-only"
        return (
            f"GRANIAN_WORKERS={self.workers} reflex run --env prod {mode} "
            f"--backend-port {self.port} --backend-host 127.0.0.1"
        )

    def start(self) -> ProductionApp:
        import httpx

        self.dir = _app_dir()
        self.port = free_port()
        self.log_path = self.dir / f"app-{self.port}.log"
        env = base_environment(self.env)
        env["GRANIAN_WORKERS"] = str(self.workers)
        if env.get("FINTECH_ENV") == "production":  # the pages' origin, now that it is known
            env["FINTECH_ALLOWED_ORIGINS"] = f"http://127.0.0.1:{self.port}"
        env.update(self.extra_env)
        cmd = production_command(
            str(VENV_BIN / "reflex"), self.port, frontend=self.frontend, host="127.0.0.1"
        )
        with open(self.log_path, "wb") as logfile:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self._release()
                raise RuntimeError(f"the app exited with {self.proc.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"the app did not answer /ping in time:\n{tail}")
            time.sleep(0.25)
        if self.workers > 1:
            time.sleep(1.0 + 0.5 * self.workers)  # the other workers finish importing the app
        return self

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the supervisor's children (itself with 1 worker)."""
        if self.proc is None:
            return []
        try:
            import psutil

            parent = psutil.Process(self.proc.pid)
            children = parent.children(recursive=True)
        except Exception:
            return [self.proc.pid]
        return [c.pid for c in children] or [self.proc.pid]

    def all_pids(self) -> list[int]:
        """The supervisor and its workers (for CPU accounting)."""
        return process_tree(self.proc.pid) if self.proc is not None else []

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _release(self) -> None:
        if self.dir is not None:
            _IDLE_APP_DIRS.append(self.dir)
            self.dir = None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
        self._release()

    def __enter__(self) -> ProductionApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_app(env: dict[str, str], *, workers: int = 1, frontend: bool = False) -> ProductionApp:
    """Start the production app (see ProductionApp); call `.stop()` or use it as a context."""
    return ProductionApp(env, workers=workers, frontend=frontend).start()


# ------------------------------------------------------------------------------------ profiles


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (a server's supervisor and workers)."""
    try:
        import psutil

        parent = psutil.Process(pid)
        return [pid, *(c.pid for c in parent.children(recursive=True))]
    except Exception:
        return [pid]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (gone ones count 0)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def py_spy_available() -> bool:
    """Whether py-spy (requirements.txt) is installed in the venv."""
    return (VENV_BIN / "py-spy").exists()


def profile_processes(pids: list[int], seconds: float, out_dir: Path) -> list[Path]:
    """Sample each process with py-spy for `seconds` (raw collapsed stacks); the files written.

    Start it while load runs; it returns when sampling ends.
    """
    if not py_spy_available() or not pids:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    procs, paths = [], []
    for pid in pids:
        path = out_dir / f"py-spy-{pid}.txt"
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "py-spy"),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(max(1, round(seconds))),
                    "--rate",
                    "100",
                    "--format",
                    "raw",
                    "--output",
                    str(path),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        paths.append(path)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=seconds + 30)
    return [p for p in paths if p.exists()]


def top_frames(
    paths: list[Path], *, limit: int = 8, app_only: bool = False, exclude_idle: bool = True
) -> list[tuple[str, float]]:
    """Inclusive share of samples per function over py-spy raw files: [(function, percent)].

    app_only keeps frames from fintech_ui/ (and the SQL driver calls under them).
    """
    import collections
    import re

    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if f]
            if exclude_idle and frames and _idle_frame(frames[-1]):
                continue
            total += int(count)
            for frame in set(frames):
                if app_only and "fintech_ui/" not in frame:
                    continue
                inclusive[frame] += int(count)
    if not total:
        return []
    return [(frame, 100.0 * n / total) for frame, n in inclusive.most_common(limit)]


def _idle_frame(frame: str) -> bool:
    return any(
        marker in frame
        for marker in (
            "select (selectors.py)",
            "_worker (concurrent/futures",
            "wait (threading.py)",
        )
    )


def main(argv: list[str]) -> int:
    if len(argv) in (5, 6) and argv[1] == "users":
        _users_command(int(argv[2]), argv[3], argv[4], int(argv[5]) if len(argv) == 6 else 0)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
