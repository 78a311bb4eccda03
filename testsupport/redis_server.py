"""A redis-server of the caller's own on a free port, without persistence."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from testsupport.processes import forget, free_port, log_tail, spawn, stop_process, wait_for_port


def redis_server_binary() -> str | None:
    """The redis-server on PATH, if any."""
    return shutil.which("redis-server")


class RedisServer:
    """A private redis-server that can crash and come back on the same port; `.url`.

    Usable as a context manager (started on enter, stopped on exit).
    """

    def __init__(
        self, binary: str | None = None, port: int | None = None, log: Path | None = None
    ) -> None:
        self.binary = binary or redis_server_binary()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fintech-redis-"))
        self.log = log or self.dir / "redis.log"
        self.process = None

    @property
    def url(self) -> str:
        """The URL the app's FINTECH_REDIS_URL takes."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start it and wait until it answers PING."""
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir)]
        self.process = spawn(command, log=self.log)
        try:
            wait_for_port(self.port, 20, self.process)
        except RuntimeError as exc:
            raise RuntimeError(f"redis-server: {exc}\n{log_tail(self.log)}") from None
        return self

    def ping(self) -> bool:
        """Whether it answers now; AssertionError when its process has exited."""
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
            forget(self.process)
            self.process = None

    def stop(self) -> None:
        """Stop it (a later `start` may bring it back on the same port)."""
        stop_process(self.process, grace=5.0)
        self.process = None

    @property
    def running(self) -> bool:
        """Its process is alive."""
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
