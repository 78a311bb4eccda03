"""The production app as a process: its command line, the directory it runs in, the browser."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("FINTECH_CHROMIUM", "/usr/bin/chromium"))  # Debian's package
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def production_command(
    reflex: str, port: int, *, frontend: bool = True, host: str = ""
) -> list[str]:
    """How `make run-prod` starts the app (GRANIAN_WORKERS in the environment picks workers).

    frontend=False serves the backend only (websocket, /api, /auth: the same code).
    """
    command = [reflex, "run", "--env", "prod"]
    command += ["--single-port"] if frontend else ["--backend-only"]
    command += ["--backend-port", str(port)]
    return command + (["--backend-host", host] if host else [])


def app_directory(source: Path = REPO, *, code: bool = False, prefix: str = "fintech-app-") -> Path:
    """A fresh directory holding what `reflex run` needs besides the installed packages.

    rxconfig.py, assets/ and the pinned frontend packages (reflex.lock/); with `code`, a copy
    of the fintech_ui package too (otherwise the repository's own is imported from sys.path).
    """
    root = Path(tempfile.mkdtemp(prefix=prefix))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(source / "rxconfig.py", root / "rxconfig.py")
    if code:
        shutil.copytree(source / "fintech_ui", root / "fintech_ui", ignore=ignore)
    if (source / "assets").is_dir():
        shutil.copytree(source / "assets", root / "assets", symlinks=True, ignore=ignore)
    if (source / "reflex.lock").is_dir():
        shutil.copytree(source / "reflex.lock", root / "reflex.lock")
    return root


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium under Playwright's sync API, closed (and Playwright stopped) after."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
