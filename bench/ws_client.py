"""An asyncio client speaking Reflex 0.10's event protocol, light enough for hundreds of sessions.

The protocol (as tests/e2e/test_websocket_guard.py documents it):

* Engine.IO 4 over a plain websocket at `/_event/?EIO=4&transport=websocket&token=T`; the
  server opens with `0{...}` and pings with `2`, answered by `3`.
* Socket.IO 5 on namespace `/_event`: `40/_event,` joins, acknowledged by `40/_event,{...}`.
* An event is `42/_event,["event",{"name","payload","router_data"}]`; every state update comes
  back as `42/_event,["event",{"delta": {...}}]` and events for the browser (toasts, scripts)
  as `42/_event,["event",{"events": [...]}]`.

The websocket is wsproto (already a dependency of Reflex, through python-engineio) over asyncio
streams, as in the e2e guard test: python-socketio's AsyncClient would need aiohttp and runs a
task and a ping loop per client, which costs the shared CPU more than the server we measure.

One reader task per session receives every message as soon as it arrives and timestamps it
(`time.perf_counter`) before decoding. Calls are matched to answers in order: the server
processes the events of one token one after another, so the first pending call whose
`done` predicate accepts an update is the oldest one, and several calls of a session may be in
flight at once (the open-loop benchmarks need that).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

NAMESPACE = "/_event"
EVENT_PREFIX = f"42{NAMESPACE},"
ROOT_STATE = "reflex___state____state"
DEFAULT_TIMEOUT_S = 30.0

Update = dict[str, Any]
Predicate = Callable[[Update], bool]


def reflex_subprotocol() -> str:
    """The websocket subprotocol the frontend sends: the Reflex version."""
    try:
        from importlib.metadata import version

        return version("reflex")
    except Exception:  # pragma: no cover - reflex is installed wherever this runs
        return "0.10.1"


def has_delta_for(state_name: str) -> Predicate:
    """A predicate: the update carries a delta for `state_name`."""
    return lambda update: state_name in (update.get("delta") or {})


def has_events(update: Update) -> bool:
    """A predicate: the update carries events for the browser (a toast, a script, ...)."""
    return bool(update.get("events"))


def any_update(_update: Update) -> bool:
    """A predicate accepting the first update."""
    return True


@dataclass
class CallResult:
    """One event's round trip as the client saw it."""

    latency_s: float  # from the (scheduled or actual) send to the accepting update
    updates: list[Update]  # every update received for it, in order
    bytes_received: int  # websocket text received for it (UTF-8 bytes of the Socket.IO frames)
    send_lag_s: float = 0.0  # actual send minus the scheduled send (open loop)


@dataclass
class _Pending:
    done: Predicate
    started: float
    send_lag: float
    future: asyncio.Future
    updates: list[Update] = field(default_factory=list)
    nbytes: int = 0


class ReflexSession:
    """One browser tab's websocket: connect, call handlers, close."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._accepted = asyncio.get_running_loop().create_future()
        self._joined = asyncio.get_running_loop().create_future()
        self._pending: collections.deque[_Pending] = collections.deque()
        self._partial: list[str] = []
        self._closed = False
        self._reader_task: asyncio.Task | None = None
        self.token = ""
        self.unmatched: list[Update] = []  # updates no pending call claimed
        self.error: BaseException | None = None

    # ---------------------------------------------------------------- connection

    @classmethod
    async def connect(
        cls,
        base_url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        local_host: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> ReflexSession:
        """Open the websocket of a new tab and join the `/_event` namespace.

        `base_url` is the backend's http(s) URL; `local_host` binds the client side of the
        TCP connection (another loopback address makes another client IP for the server).
        """
        parts = urlsplit(base_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                host, port, local_addr=(local_host, 0) if local_host else None, limit=2**22
            ),
            timeout,
        )
        session = cls(reader, writer)
        session.token = token or str(uuid.uuid4())
        headers = {"Origin": origin or f"{parts.scheme}://{parts.netloc}"}
        if cookie:
            headers["Cookie"] = cookie
        request = Request(
            host=parts.netloc,
            target=f"{NAMESPACE}/?EIO=4&transport=websocket&token={session.token}",
            subprotocols=[reflex_subprotocol()],
            extra_headers=[(k.encode(), v.encode()) for k, v in headers.items()],
        )
        writer.write(session._ws.send(request))
        session._reader_task = asyncio.create_task(session._read_loop())
        try:
            await asyncio.wait_for(asyncio.shield(session._accepted), timeout)
            await session._send_text(f"40{NAMESPACE},")
            await asyncio.wait_for(asyncio.shield(session._joined), timeout)
        except BaseException:
            await session.close()
            raise
        return session

    async def close(self) -> None:
        """Close the websocket; pending calls fail with ConnectionError."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):
                if self._accepted.done() and not self._accepted.exception():
                    self._writer.write(self._ws.send(CloseConnection(code=1000)))
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(BaseException):
                await self._reader_task
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()
        self._fail_pending(ConnectionError("session closed"))

    async def __aenter__(self) -> ReflexSession:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # ---------------------------------------------------------------- events

    def send_event(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        path: str = "/",
        done: Predicate = any_update,
        scheduled: float | None = None,
    ) -> asyncio.Future:
        """Send one event now; the future resolves to its CallResult.

        The latency counts from the send itself; with `scheduled` (the perf_counter time the
        send was due) the lateness of the send is kept as `send_lag_s`. A send never waits for
        the server (it is a write into the socket's buffer), so lateness is the client's own
        timer and CPU: reported beside the latencies rather than added to them, where the
        event loop's millisecond timer granularity alone would add ~1 ms to every figure.
        """
        now = time.perf_counter()
        started = now
        scheduled = now if scheduled is None else scheduled
        future = asyncio.get_running_loop().create_future()
        if self._closed or self.error is not None:
            future.set_exception(ConnectionError(f"session closed: {self.error}"))
            return future
        body = {
            "name": name,
            "payload": payload or {},
            "router_data": {"pathname": path, "asPath": path, "query": {}},
        }
        self._pending.append(_Pending(done, started, now - scheduled, future))
        frame = EVENT_PREFIX + json.dumps(["event", body], separators=(",", ":"))
        self._writer.write(self._ws.send(TextMessage(data=frame)))
        return future

    async def call(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        path: str = "/",
        done: Predicate = any_update,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> CallResult:
        """Send one event and wait for the update `done` accepts."""
        future = self.send_event(name, payload, path=path, done=done)
        await self._writer.drain()
        return await asyncio.wait_for(future, timeout)

    async def hydrate(self, path: str = "/", timeout: float = DEFAULT_TIMEOUT_S) -> CallResult:
        """The page's first event: the whole state tree comes back."""
        return await self.call(
            f"{ROOT_STATE}.hydrate", path=path, done=has_delta_for(ROOT_STATE), timeout=timeout
        )

    def in_flight(self) -> int:
        """Calls sent and not yet answered."""
        return len(self._pending)

    # ---------------------------------------------------------------- internals

    async def _send_text(self, text: str) -> None:
        self._writer.write(self._ws.send(TextMessage(data=text)))
        await self._writer.drain()

    def _fail_pending(self, exc: BaseException) -> None:
        while self._pending:
            pending = self._pending.popleft()
            if not pending.future.done():
                pending.future.set_exception(exc)

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._reader.read(2**20)
                if not data:
                    raise ConnectionError("the server closed the connection")
                arrived = time.perf_counter()
                self._ws.receive_data(data)
                for event in self._ws.events():
                    if isinstance(event, TextMessage):
                        self._partial.append(event.data)
                        if event.message_finished:
                            text = "".join(self._partial)
                            self._partial.clear()
                            self._on_message(text, arrived)
                    elif isinstance(event, AcceptConnection):
                        self._accepted.set_result(True)
                    elif isinstance(event, RejectConnection):
                        raise ConnectionError(f"websocket refused with HTTP {event.status_code}")
                    elif isinstance(event, Ping):
                        self._writer.write(self._ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        raise ConnectionError(f"websocket closed: {event.code} {event.reason}")
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.error = exc
            for fut in (self._accepted, self._joined):
                if not fut.done():
                    fut.set_exception(exc)
            self._fail_pending(exc)

    def _on_message(self, text: str, arrived: float) -> None:
        if text.startswith(EVENT_PREFIX):
            name, *args = json.loads(text[len(EVENT_PREFIX) :])
            if name != "event" or not args or not isinstance(args[0], dict):
                return
            update = args[0]
            nbytes = len(text.encode())
            if self._pending:
                pending = self._pending[0]
                pending.updates.append(update)
                pending.nbytes += nbytes
                if pending.done(update):
                    self._pending.popleft()
                    if not pending.future.done():
                        pending.future.set_result(
                            CallResult(
                                arrived - pending.started,
                                pending.updates,
                                pending.nbytes,
                                pending.send_lag,
                            )
                        )
            else:
                self.unmatched.append(update)
        elif text == "2":  # Engine.IO ping
            self._writer.write(self._ws.send(TextMessage(data="3")))
        elif text.startswith(f"40{NAMESPACE},"):
            if not self._joined.done():
                self._joined.set_result(True)
        elif text.startswith(f"44{NAMESPACE},"):  # connect refused
            exc = ConnectionError(f"namespace refused: {text}")
            if not self._joined.done():
                self._joined.set_exception(exc)
        # "0{...}" (Engine.IO open) needs no answer.


async def connect_many(
    base_url: str,
    count: int,
    *,
    cookies: list[str | None] | None = None,
    path: str = "/",
    hydrate: bool = True,
    concurrency: int = 20,
    local_hosts: list[str | None] | None = None,
) -> list[ReflexSession]:
    """`count` sessions, connected (and hydrated) `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> ReflexSession:
        async with gate:
            session = await ReflexSession.connect(
                base_url,
                cookie=cookies[index] if cookies else None,
                local_host=local_hosts[index] if local_hosts else None,
            )
            if hydrate:
                await session.hydrate(path)
            return session

    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    sessions = [r for r in results if isinstance(r, ReflexSession)]
    errors = [r for r in results if not isinstance(r, ReflexSession)]
    if errors:
        await close_all(sessions)
        raise errors[0]
    return sessions


async def close_all(sessions: list[ReflexSession]) -> None:
    """Close every session, ignoring errors."""
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


# ------------------------------------------------------------------------------------ load

# make_event(session_index, sequence_number) -> (handler name, payload, done predicate)
EventMaker = Callable[[int, int], tuple[str, dict[str, Any], Predicate]]


@dataclass
class LoadResult:
    """What a load run produced: latencies (s) of answered calls, failures, throughput."""

    latencies: list[float]
    results: list[CallResult]
    failures: int
    elapsed_s: float
    send_lag_p99_s: float = 0.0  # open loop: how late the client sent, 99th percentile
    completed_total: int = 0  # closed loop: answered calls including the warm-up

    @property
    def throughput(self) -> float:
        """Answered calls per second of the measured window."""
        return len(self.latencies) / self.elapsed_s if self.elapsed_s > 0 else 0.0


async def sequential(
    session: ReflexSession, make_event: EventMaker, count: int, *, index: int = 0, path: str = "/"
) -> LoadResult:
    """`count` calls one after another on one session (closed loop, one in flight)."""
    results: list[CallResult] = []
    failures = 0
    started = time.perf_counter()
    for seq in range(count):
        name, payload, done = make_event(index, seq)
        try:
            results.append(await session.call(name, payload, done=done, path=path))
        except (TimeoutError, ConnectionError):
            failures += 1
    elapsed = time.perf_counter() - started
    return LoadResult([r.latency_s for r in results], results, failures, elapsed)


async def open_loop(
    sessions: list[ReflexSession],
    make_event: EventMaker,
    *,
    rate_per_session: float,
    duration_s: float,
    warmup_s: float = 0.0,
    path: str = "/",
    seed: int = 1,
    drain_timeout_s: float = DEFAULT_TIMEOUT_S,
) -> LoadResult:
    """Every session sends at a fixed rate whatever the answers do (open loop).

    Sessions start at random phases within one period; latencies count from the scheduled
    send time, so a server (or client) falling behind shows up in them. Calls scheduled in
    the first `warmup_s` are sent but not counted.
    """
    import random

    rng = random.Random(seed)
    period = 1.0 / rate_per_session
    total = warmup_s + duration_s
    schedule: list[tuple[float, int]] = []
    for index in range(len(sessions)):
        t = rng.uniform(0, period)
        while t < total:
            schedule.append((t, index))
            t += period
    schedule.sort()
    seqs = [0] * len(sessions)
    measured: list[asyncio.Future] = []
    others: list[asyncio.Future] = []
    lags: list[float] = []
    loop_start = time.perf_counter() + 0.05
    for offset, index in schedule:
        due = loop_start + offset
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        name, payload, done = make_event(index, seqs[index])
        seqs[index] += 1
        future = sessions[index].send_event(name, payload, done=done, path=path, scheduled=due)
        lags.append(time.perf_counter() - due)
        (measured if offset >= warmup_s else others).append(future)
    await asyncio.wait(measured + others, timeout=drain_timeout_s)
    results: list[CallResult] = []
    failures = 0
    for future in measured:
        if future.done() and not future.cancelled() and future.exception() is None:
            results.append(future.result())
        else:
            failures += 1
    for future in others:  # retrieve exceptions so asyncio does not log them
        if future.done() and not future.cancelled():
            future.exception()
    lags.sort()
    lag_p99 = lags[int(0.99 * (len(lags) - 1))] if lags else 0.0
    return LoadResult([r.latency_s for r in results], results, failures, duration_s, lag_p99)


async def closed_loop(
    sessions: list[ReflexSession],
    make_event: EventMaker,
    *,
    duration_s: float,
    warmup_s: float = 1.0,
    path: str = "/",
    call_timeout_s: float = DEFAULT_TIMEOUT_S,
) -> LoadResult:
    """Every session sends its next event as soon as the last is answered (saturation).

    Throughput counts the calls answered within the measured window (after `warmup_s`).
    """
    start = time.perf_counter()
    window_start = start + warmup_s
    window_end = window_start + duration_s
    results: list[CallResult] = []
    failures = 0
    completed = 0

    async def worker(index: int) -> None:
        nonlocal failures, completed
        seq = 0
        session = sessions[index]
        while time.perf_counter() < window_end:
            name, payload, done = make_event(index, seq)
            seq += 1
            try:
                result = await session.call(
                    name, payload, done=done, path=path, timeout=call_timeout_s
                )
            except (TimeoutError, ConnectionError):
                failures += 1
                continue
            finished = time.perf_counter()
            completed += 1
            if window_start <= finished <= window_end:
                results.append(result)

    await asyncio.gather(*(worker(i) for i in range(len(sessions))))
    return LoadResult(
        [r.latency_s for r in results], results, failures, duration_s, completed_total=completed
    )


# ------------------------------------------------------------------------------------ app names

# Full names of the app's states, as Reflex derives them from the module and class names
# (fintech_ui/state/cart.py: CartState -> ...fintech_ui___state___cart____cart_state).
CART_STATE = f"{ROOT_STATE}.fintech_ui___state___cart____cart_state"
AUTH_STATE = f"{ROOT_STATE}.fintech_ui___state___auth____auth_state"
CATALOGUE_STATE = f"{ROOT_STATE}.fintech_ui___state___catalogue____catalogue_state"
