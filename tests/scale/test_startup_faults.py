"""With PostgreSQL or Redis unreachable at start-up, the app refuses to start, saying why.

Each case starts a real process with a clean environment and checks its exit status and its
output: one line naming the problem, no traceback. The app's own check lives at import of
`fintech_ui.fintech_ui` (settings, then `fintech_ui.startup.check_ready` and `check_redis`);
every way of serving the app (`reflex run` in either mode, granian or uvicorn on the module)
goes through that import.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from scale_support import (
    PYTHON,
    clean_environ,
    free_port,
    postgres_database,
    production_command,
    require_postgres,
)

pytestmark = pytest.mark.scale

IMPORT_APP = ["-c", "import fintech_ui.fintech_ui"]


def _run(args: list[str], *, cwd: Path, timeout: float = 60, **env: str):
    return subprocess.run(
        args,
        cwd=cwd,
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _one_line(output: str) -> str:
    """The output as one line; fails on several lines or a traceback."""
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{output}"
    return lines[0]


@pytest.fixture
def app_dir(app_root: Path) -> Path:
    """The app as it is deployed (config, code, assets): the processes run there."""
    return app_root


@pytest.fixture
def sqlite_ready(app_dir: Path, tmp_path: Path) -> str:
    """A database migrated by the app under test, so that only Redis is missing."""
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    done = _run(
        [PYTHON, "-m", "fintech_ui.db", "upgrade"],
        cwd=app_dir,
        FINTECH_DATABASE_URL=url,
        FINTECH_DATA_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    return url


def _dead_postgres_url(port: int | None = None) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port or free_port()}/fintech"


def _dead_redis_url(port: int | None = None) -> str:
    return f"redis://127.0.0.1:{port or free_port()}/0"


def test_app_refuses_to_start_when_postgres_is_unreachable(app_dir: Path, tmp_path) -> None:
    port = free_port()
    url = _dead_postgres_url(port)
    done = _run(
        [PYTHON, *IMPORT_APP], cwd=app_dir, FINTECH_DATABASE_URL=url, FINTECH_DATA_DIR=str(tmp_path)
    )
    assert done.returncode != 0
    assert done.stdout == ""
    line = _one_line(done.stderr)
    assert line.startswith("Fintech UI cannot start: cannot reach the database"), line
    assert f"127.0.0.1:{port}" in line  # names the server it tried


def test_app_refuses_to_start_on_an_unmigrated_database(app_dir: Path, tmp_path) -> None:
    require_postgres()
    with postgres_database() as url:
        done = _run(
            [PYTHON, *IMPORT_APP],
            cwd=app_dir,
            FINTECH_DATABASE_URL=url,
            FINTECH_DATA_DIR=str(tmp_path),
        )
    assert done.returncode != 0
    line = _one_line(done.stderr)
    assert line.startswith("Fintech UI cannot start: the database"), line
    assert "run `make db` first" in line


def test_db_upgrade_against_unreachable_postgres_exits_1_without_traceback(
    app_dir: Path, tmp_path
) -> None:
    done = _run(
        [PYTHON, "-m", "fintech_ui.db", "upgrade"],
        cwd=app_dir,
        FINTECH_DATABASE_URL=_dead_postgres_url(),
        FINTECH_DATA_DIR=str(tmp_path),
    )
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("cannot migrate the database: connection failed"), line
    assert "Connection refused" in line


def test_reflex_prod_refuses_to_start_when_postgres_is_unreachable(app_dir: Path, tmp_path) -> None:
    """`reflex run --env prod` imports the app to compile it: the same message, at once."""
    done = _run(
        production_command(free_port()),
        cwd=app_dir,
        timeout=120,
        FINTECH_DATABASE_URL=_dead_postgres_url(),
        FINTECH_DATA_DIR=str(tmp_path),
        GRANIAN_WORKERS="2",
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert "Fintech UI cannot start: cannot reach the database" in output
    assert "App running" not in output


def test_app_refuses_to_start_when_redis_is_unreachable(
    app_dir: Path, tmp_path, sqlite_ready: str
) -> None:
    """Required: Redis configured but unreachable stops the app at import, like PostgreSQL.

    Today the import succeeds (fintech_ui/fintech_ui.py checks settings and the database,
    never Redis), so `reflex run` in development mode, or any ASGI server pointed at the app,
    serves pages whose every event then fails.
    """
    port = free_port()
    done = _run(
        [PYTHON, *IMPORT_APP],
        cwd=app_dir,
        FINTECH_DATABASE_URL=sqlite_ready,
        FINTECH_REDIS_URL=_dead_redis_url(port),
        FINTECH_DATA_DIR=str(tmp_path),
    )
    assert done.returncode != 0, (
        "importing the app with FINTECH_REDIS_URL unreachable succeeded: the app starts and "
        "fails only at the first event"
    )
    line = _one_line(done.stderr)
    assert line.startswith("Fintech UI cannot start:"), line
    assert "Redis" in line and f"127.0.0.1:{port}" in line, line


def test_reflex_prod_refuses_to_start_when_redis_is_unreachable(
    app_dir: Path, tmp_path, sqlite_ready: str
) -> None:
    """`reflex run --env prod` with Redis down must stop with a clear message, before serving.

    Reflex itself pings Redis when it sizes the granian worker pool (get_num_workers, evaluated
    even with GRANIAN_WORKERS set) and exits with "Unable to connect to Redis" — but only after
    the whole production build, and after it has printed "App running at".
    """
    started = time.monotonic()
    done = _run(
        production_command(free_port()),
        cwd=app_dir,
        timeout=300,
        FINTECH_DATABASE_URL=sqlite_ready,
        FINTECH_REDIS_URL=_dead_redis_url(),
        FINTECH_DATA_DIR=str(tmp_path),
        GRANIAN_WORKERS="2",
    )
    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback" not in output, output
    assert "redis" in output.lower(), output
    # Required: refuse before claiming to run (today: after the build and "App running at").
    assert "App running" not in output, (
        f"reflex announced 'App running' and only then failed on Redis ({elapsed:.0f} s):\n"
        + output
    )
