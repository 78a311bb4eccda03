"""The reference: a bare python-socketio ASGI server that echoes every event, nothing else.

Configured as Reflex configures its own AsyncServer (websocket transport only, no upgrades,
handlers inline on the receive loop, namespace `/_event`, event name `event`), so the client,
the framing and the Python socket.io stack are the same and only Reflex's work differs. The
answer to `42/_event,["event",{...,"payload": P}]` is `42/_event,["event",{"delta": P}]`.

Run with uvicorn (h11 + wsproto, asyncio loop) in a subprocess:
`python -m bench.echo_server PORT`. `EchoServer` starts and stops it.
"""

from __future__ import annotations

import subprocess
import sys

import socketio

from bench.common import (
    PYTHON,
    REPO,
    base_environment,
    free_port,
    process_tree,
    wait_for_port,
)
from testsupport.processes import stop_process

NAMESPACE = "/_event"

sio = socketio.AsyncServer(
    async_mode="asgi",
    cors_allowed_origins="*",
    transports=["websocket"],
    allow_upgrades=False,
    async_handlers=False,
)
app = socketio.ASGIApp(sio, socketio_path="_event")


@sio.on("event", namespace=NAMESPACE)
async def echo(sid: str, data: object) -> None:
    """Answer the event with an update carrying its payload."""
    payload = data.get("payload") if isinstance(data, dict) else data
    await sio.emit("event", {"delta": payload}, to=sid, namespace=NAMESPACE)


@sio.on("connect", namespace=NAMESPACE)
async def connect(sid: str, environ: dict, auth: object = None) -> bool:
    return True


class EchoServer:
    """`uvicorn bench.echo_server:app` on a free port; `.url`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> str:
        return (
            f"uvicorn bench.echo_server:app --host 127.0.0.1 --port {self.port} "
            "--ws wsproto --no-access-log --log-level warning"
        )

    def start(self) -> EchoServer:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", *self.command.split()],
            cwd=REPO,
            env=base_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, 30, self.proc)
        return self

    def all_pids(self) -> list[int]:
        """The server's processes (for CPU accounting)."""
        return process_tree(self.proc.pid) if self.proc is not None else []

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, grace=5)
            self.proc = None

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]) if len(sys.argv) > 1 else free_port(),
        ws="wsproto",
        access_log=False,
        log_level="warning",
    )
