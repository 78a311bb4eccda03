"""Free ports and child processes that run in a process group of their own.

Every process started with `spawn` is killed with its whole group by `stop_process` (workers
may outlive a supervisor that exited) and, should the caller die first, at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

_LIVE_GROUPS: set[int] = set()  # process groups still to kill if the caller dies early


def free_port() -> int:
    """A TCP port nothing listens on right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Until 127.0.0.1:port accepts connections; RuntimeError if `proc` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f}s")


def _group_alive(pgid: int) -> bool:
    """Any process of the group still running (zombies waiting to be reaped do not count)."""
    import psutil

    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
    return False


def kill_group(pgid: int, *, grace: float = 10.0, leader: subprocess.Popen | None = None) -> None:
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
        kill_group(pgid, grace=2.0)


def spawn(command: list[str], *, log: Path | None = None, **kwargs) -> subprocess.Popen:
    """Start `command` in a process group of its own, output appended to `log` (or dropped)."""
    with open(log, "ab") if log is not None else open(os.devnull, "wb") as out:
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


def forget(process: subprocess.Popen) -> None:
    """The process is gone (killed and reaped by the caller): no group to kill at exit."""
    _LIVE_GROUPS.discard(process.pid)


def stop_process(process: subprocess.Popen | None, *, grace: float = 10.0) -> None:
    """Stop the process and everything it started; reap it."""
    if process is None:
        return
    kill_group(process.pid, grace=grace, leader=process)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def log_tail(log: Path | None, lines: int = 40) -> str:
    """The last lines of a log file, or a note that there is none."""
    try:
        assert log is not None
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except (OSError, AssertionError):
        return "(no log)"
