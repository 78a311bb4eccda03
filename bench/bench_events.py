"""Cart "add" event round trips against a bare socket.io echo server measured in the same run.

The app runs as in production (`reflex run --env prod`, granian, one worker) on SQLite with
the disk state manager, the configuration of one machine. Each shopper is a logged-in user
(a session cookie on the websocket, as the browser sends it), so every add also re-checks the
session in the database, as the app does for every privileged handler.

Figures (issue 13's targets):
* 1 session, p50 of sequential adds: <= 2x the echo server's round trip on one worker with
  SQLite, <= 5x with 2 workers, PostgreSQL and Redis (bench_state_manager); the p99 is shown;
* server CPU per add at saturation: <= 1.5 ms;
* 50 and 200 sessions, open loop at 0.5 adds/s per session, p99 (<= 20 ms at 200 sessions on
  one worker with SQLite);
* events/s at saturation with 50 sessions (closed loop): >= 0.15x the echo server's.

The echo server and the app are up together and measured phase by phase, alternately, so
both see the same machine. To explain the figures, the run also measures: the round trip of a
handler that touches no database (`AuthState.clear_messages`: Reflex's own cost per event),
the CPU time each server spends per event at saturation, and, in a separate process against
the same database, the three database transactions an add runs, one by one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common
from bench.echo_server import EchoServer
from bench.ws_client import (
    AUTH_STATE,
    CART_STATE,
    EventMaker,
    LoadResult,
    ReflexSession,
    any_update,
    close_all,
    closed_loop,
    connect_many,
    has_delta_for,
    has_events,
    open_loop,
    sequential,
)

ADD = f"{CART_STATE}.add_to_cart"
FLOOR_EVENT = f"{AUTH_STATE}.clear_messages"  # sets three strings: no database, no thread
DEMO_ITEMS = 30  # the demo catalogue's products have ids 1..30 in a fresh database
ITEMS_PER_CART = 10  # a cart of 10 lines; 50 units a line is the limit, so <= 500 adds a cart
PASSWORD = "Bench-Harbour-Lantern-2024"  # noqa: S105 (benchmark users' shared password)
ECHO_LABEL = "bare python-socketio echo (uvicorn), same client and load"
CPU_TARGET_MS = 1.5  # server CPU per add
SATURATION_TARGET_RATIO = 0.15  # adds/s at saturation against echoes/s


@dataclass(frozen=True)
class Params:
    """How much load each phase applies."""

    single_events: int = 300
    single_warmup: int = 30
    # Open loop: one add every 2 s per shopper, a brisk one (200 sessions offer 100 events/s).
    rate_per_session: float = 0.5
    open_seconds: float = 10.0
    open_warmup_s: float = 2.0
    saturation_sessions: int = 50
    saturation_seconds: float = 6.0
    saturation_warmup_s: float = 1.5
    session_counts: tuple[int, ...] = (50, 200)
    profile_seconds: float = 4.0
    breakdown_events: int = 200

    @classmethod
    def for_run(cls, quick: bool) -> Params:
        if quick:
            return cls(
                single_events=40,
                single_warmup=5,
                open_seconds=2.0,
                open_warmup_s=0.5,
                saturation_sessions=10,
                saturation_seconds=2.0,
                saturation_warmup_s=0.5,
                session_counts=(10, 20),
                profile_seconds=0.0,
                breakdown_events=20,
            )
        return cls()

    def users_needed(self) -> int:
        return 4 + sum(self.session_counts) + self.saturation_sessions


def cart_adds(offset: int = 0) -> EventMaker:
    """Adds of one unit, each session cycling over its own 10 of the 30 demo products."""

    def make(index: int, seq: int) -> tuple[str, dict[str, Any], Any]:
        item = 1 + ((index + offset) * 7 + seq % ITEMS_PER_CART) % DEMO_ITEMS
        return ADD, {"item_id": item}, has_events  # the toast follows the cart's delta

    return make


def echoes(index: int, seq: int) -> tuple[str, dict[str, Any], Any]:
    """The echo server's event: same size and shape of payload as an add."""
    return "echo", {"item_id": 1 + seq % DEMO_ITEMS}, any_update


def floor_events(index: int, seq: int) -> tuple[str, dict[str, Any], Any]:
    """A handler without database work: what Reflex itself costs per event."""
    return FLOOR_EVENT, {}, has_delta_for(AUTH_STATE)


@dataclass
class Suite:
    """Results of every phase for one server (the app or the echo)."""

    single: LoadResult | None = None
    floor: LoadResult | None = None
    open_loops: dict[int, LoadResult] = field(default_factory=dict)
    saturation: LoadResult | None = None
    cpu_ms_per_event: float | None = None  # server CPU (all processes) per answered event
    add_bytes: list[int] = field(default_factory=list)  # one add to a 20-line cart, each


@dataclass
class Target:
    """One server to measure: its URL, the event it gets, and the cookies of its sessions."""

    url: str
    make_event: EventMaker
    cookies: list[str | None] | None = None  # one per session over all phases (app only)
    hydrate: bool = True  # the app's tabs hydrate first; the echo server has no state
    cpu_pids: list[int] = field(default_factory=list)
    suite: Suite = field(default_factory=Suite)
    cursor: int = 0

    def take_cookies(self, count: int) -> list[str | None] | None:
        if self.cookies is None:
            return None
        chunk = self.cookies[self.cursor : self.cursor + count]
        self.cursor += count
        if len(chunk) < count:
            raise RuntimeError("not enough benchmark users for the phases")
        return chunk


async def _single(target: Target, params: Params, make_event: EventMaker | None = None):
    cookies = target.take_cookies(1)
    session = await ReflexSession.connect(target.url, cookie=cookies[0] if cookies else None)
    make_event = make_event or target.make_event
    try:
        if target.hydrate:
            await session.hydrate("/")
        await sequential(session, make_event, params.single_warmup, index=0)
        return await sequential(session, make_event, params.single_events, index=0)
    finally:
        await session.close()


SIZE_CART_LINES = 20


async def _update_size(target: Target, adds: int = 5) -> list[int]:
    """Bytes of the update of one add to a 20-line cart, after the cart page was shown."""
    cookies = target.take_cookies(1)
    session = await ReflexSession.connect(target.url, cookie=cookies[0] if cookies else None)
    try:
        await session.hydrate("/")
        for item in range(1, SIZE_CART_LINES + 1):
            await session.call(ADD, {"item_id": item}, done=has_events)
        await session.call(f"{CART_STATE}.load", path="/cart", done=has_delta_for(CART_STATE))
        sizes = []
        for seq in range(adds):
            result = await session.call(ADD, {"item_id": 1 + seq % 5}, done=has_events)
            sizes.append(result.bytes_received)
        return sizes
    finally:
        await session.close()


async def _open(target: Target, params: Params, count: int) -> LoadResult:
    sessions = await connect_many(
        target.url, count, cookies=target.take_cookies(count), hydrate=target.hydrate
    )
    try:
        return await open_loop(
            sessions,
            target.make_event,
            rate_per_session=params.rate_per_session,
            duration_s=params.open_seconds,
            warmup_s=params.open_warmup_s,
        )
    finally:
        await close_all(sessions)


async def _saturate(
    target: Target, params: Params, *, profile_pids: list[int] | None = None, out_dir=None
) -> tuple[LoadResult, list[Path]]:
    count = params.saturation_sessions
    sessions = await connect_many(
        target.url, count, cookies=target.take_cookies(count), hydrate=target.hydrate
    )
    profiles: list[Path] = []
    try:
        cpu_before = common.cpu_seconds(target.cpu_pids) if target.cpu_pids else None
        result = await closed_loop(
            sessions,
            target.make_event,
            duration_s=params.saturation_seconds,
            warmup_s=params.saturation_warmup_s,
        )
        if cpu_before is not None and result.completed_total:
            used = common.cpu_seconds(target.cpu_pids) - cpu_before
            target.suite.cpu_ms_per_event = 1000.0 * used / result.completed_total
        if profile_pids and params.profile_seconds > 0 and out_dir is not None:
            # After the measurement, not during it: sampling costs the shared CPU.
            load = asyncio.create_task(
                closed_loop(
                    sessions,
                    target.make_event,
                    duration_s=params.profile_seconds + 1.0,
                    warmup_s=0.0,
                )
            )
            profiles = await asyncio.to_thread(
                common.profile_processes, profile_pids, params.profile_seconds, out_dir
            )
            await load
        return result, profiles
    finally:
        await close_all(sessions)


async def measure_pair(
    app: Target,
    echo: Target,
    params: Params,
    *,
    profile_pids: list[int] | None = None,
    profile_dir: Path | None = None,
    label: str = "",
) -> list[Path]:
    """Every phase on the echo server, then on the app, alternately; py-spy files of the app."""
    common.log(f"{label}1 session: echo, then app (adds, then a handler without database)")
    echo.suite.single = await _single(echo, params)
    app.suite.single = await _single(app, params)
    app.suite.floor = await _single(app, params, floor_events)
    if app.hydrate:
        app.suite.add_bytes = await _update_size(app)
    for count in params.session_counts:
        common.log(f"{label}{count} sessions, open loop at {params.rate_per_session:g}/s each")
        echo.suite.open_loops[count] = await _open(echo, params, count)
        app.suite.open_loops[count] = await _open(app, params, count)
    common.log(f"{label}saturation with {params.saturation_sessions} sessions (closed loop)")
    echo.suite.saturation, _ = await _saturate(echo, params)
    app.suite.saturation, profiles = await _saturate(
        app, params, profile_pids=profile_pids, out_dir=profile_dir
    )
    return profiles


# ------------------------------------------------------------------------------------ breakdown


def db_breakdown(env: dict[str, str], token: str, events: int) -> dict[str, float]:
    """The database work of one add, timed piece by piece in a process of its own (ms).

    Run before the load so that a failure (say, a service renamed) stops the benchmark within
    seconds with the subprocess's traceback, instead of leaving the figures without it.
    """
    out = common.run_python(
        env, "-m", "bench.bench_events", "--breakdown", token, str(events), timeout=300
    )
    return json.loads(out.strip().splitlines()[-1])


def _breakdown_command(token: str, events: int) -> None:
    """Time the database work of CartState.add_to_cart, piece by piece and whole, the way the
    app runs it (each a `fintech_ui.db.run` transaction on the default executor); medians in ms.

    Only public service functions are used, so a refactoring of the state layer cannot break it.
    """
    import statistics

    from fintech_ui.db import now, run
    from fintech_ui.services import cart as carts
    from fintech_ui.services.sessions import resolve_user
    from fintech_ui.services.shopper import change_cart
    from fintech_ui.settings import get_settings

    settings = get_settings()

    async def run_all() -> dict[str, float]:
        async def timed(coro) -> tuple[float, Any]:
            started = time.perf_counter()
            value = await coro
            return (time.perf_counter() - started) * 1000, value

        rows: dict[str, list[float]] = {
            "resolve": [], "add": [], "lines": [], "hop": [], "whole": []
        }  # fmt: skip
        for seq in range(events):
            ms, user = await timed(
                run(resolve_user, token, settings=settings, now=now(), read_only=True)
            )
            if user is None:
                raise RuntimeError("the benchmark user's session token does not resolve")
            rows["resolve"].append(ms)
            owner = carts.CartOwner(user_id=user.id)
            item = 1 + seq % ITEMS_PER_CART
            if seq % (ITEMS_PER_CART * 20) == 0 and seq:  # stay below 50 units a line
                for i in range(1, ITEMS_PER_CART + 1):
                    await run(carts.remove, owner, item_id=i, now=now())
            ms, _ = await timed(run(carts.add, owner, item_id=item, quantity=1, now=now()))
            rows["add"].append(ms)
            ms, _ = await timed(run(carts.view, owner, read_only=True))
            rows["lines"].append(ms)
            ms, _ = await timed(asyncio.to_thread(lambda: None))
            rows["hop"].append(ms)
            ms, _ = await timed(
                run(change_cart, carts.add, session_token=token, visitor_token="",
                    settings=settings, now=now(), item_id=item, quantity=1)
            )  # fmt: skip
            rows["whole"].append(ms)
        return {k: statistics.median(v) for k, v in rows.items()}

    print(json.dumps(asyncio.run(run_all())))


# ------------------------------------------------------------------------------------ figures


def _ms(result: LoadResult | None, key: str) -> float | None:
    if result is None or not result.latencies:
        return None
    return common.summarize_ms(result.latencies)[key]


def _load_note(result: LoadResult, reference: LoadResult) -> str:
    app, ref = common.summarize_ms(result.latencies), common.summarize_ms(reference.latencies)
    parts = [
        f"app p50 {app['p50']:.1f} ms, p90 {app['p90']:.1f} ms, max {app['max']:.0f} ms "
        f"over {app['n']} events",
        f"echo p50 {ref['p50']:.2f} ms, p99 {ref['p99']:.2f} ms over {ref['n']}",
    ]
    if result.failures or reference.failures:
        parts.append(f"unanswered: app {result.failures}, echo {reference.failures}")
    parts.append(
        f"client send lateness p99 {result.send_lag_p99_s * 1000:.1f} ms (app run), "
        f"{reference.send_lag_p99_s * 1000:.1f} ms (echo run)"
    )
    return "; ".join(parts)


def single_cause(
    app: Suite,
    echo: Suite,
    breakdown: dict[str, float] | None,
    sqlite: bool,
    budget: float = 2.0,
) -> str:
    """Where one add's time goes, from the floor and the database breakdown."""
    parts = []
    total, floor = _ms(app.single, "p50"), _ms(app.floor, "p50")
    echo_p50 = _ms(echo.single, "p50")
    if total is not None and floor is not None:
        versus = ""
        if echo_p50:
            versus = f" = {floor / echo_p50:.1f}x the echo's p50" + (
                f", so beyond {budget:g}x before the app does anything"
                if floor > budget * echo_p50
                else f", leaving {budget * echo_p50 - floor:.2f} ms of the {budget:g}x budget "
                "to the add"
            )
        parts.append(
            f"measured split of the p50 {total:.1f} ms: Reflex's own round trip for a handler "
            f"without database (AuthState.clear_messages) {floor:.1f} ms{versus}"
        )
    if breakdown:
        fsync = common.machine_description().get("fsync_ms") or {}
        parts.append(
            f"the add's database work in a quiet process: one transaction on one "
            f"default-executor thread (services.shopper.change_cart: session check, cart touch, "
            f"item and line read, line insert/update, re-read; SQLAlchemy Core, commit without "
            f"fsync) {breakdown.get('whole', float('nan')):.1f} ms; its parts alone: "
            f"resolve_user {breakdown['resolve']:.1f} ms, cart.add with re-read "
            f"{breakdown['add']:.1f} ms, cart.view {breakdown['lines']:.1f} ms; a thread hop "
            f"alone {breakdown['hop']:.2f} ms; one fsync on this disk "
            f"{fsync.get('p50', '?')} ms p50 / {fsync.get('p99', '?')} ms p99"
        )
    return "; ".join(parts)


def saturation_cause(app: Suite, echo: Suite, workers: int) -> str:
    """CPU per event: the throughput of a CPU-bound server is cores (or GIL) / CPU per event."""
    if app.cpu_ms_per_event is None or echo.cpu_ms_per_event is None:
        return ""
    cores = os.cpu_count() or 1
    if workers == 1:
        cap = f"one worker (one GIL) cannot exceed ~{1000 / app.cpu_ms_per_event:.0f} adds/s"
    else:
        usable = min(workers, cores)
        cap = (
            f"{usable} cores cannot exceed ~{usable * 1000 / app.cpu_ms_per_event:.0f} adds/s, "
            "before the load generator, PostgreSQL and Redis take their share of them"
        )
    return (
        f"measured cause: the app's processes spend {app.cpu_ms_per_event:.1f} ms of CPU per "
        f"add, the echo server {echo.cpu_ms_per_event:.2f} ms per echo "
        f"({app.cpu_ms_per_event / max(echo.cpu_ms_per_event, 1e-9):.0f}x); at that cost {cap}"
    )


def suite_figures(
    app: Suite,
    echo: Suite,
    params: Params,
    *,
    config: str,
    p99_target_ms: float | None = 20.0,
    p99_target_sessions: int = 200,
    p50_target_ratio: float = 2.0,
    causes: dict[str, str] | None = None,
    workers: int = 1,
    judge_capacity: bool = True,
) -> list[dict[str, Any]]:
    """The figures of one configuration: 1 session, CPU per add, open loops, saturation."""
    causes = causes or {}
    figures = []
    for key in ("p50", "p99"):
        value, ref = _ms(app.single, key), _ms(echo.single, key)
        ratio = common.ratio(value, ref)
        judged = key == "p50"
        missed = judged and ratio is not None and ratio > p50_target_ratio
        figures.append(
            common.figure(
                f"cart add round trip, 1 session, {key} [{config}]",
                value,
                "ms",
                reference_label=ECHO_LABEL,
                reference_value=ref,
                target=f"<= {p50_target_ratio:g}x echo" if judged else None,
                met=None if ratio is None or not judged else not missed,
                notes=_join(
                    f"{params.single_events} sequential adds after {params.single_warmup} "
                    f"warm-up, {app.single.failures if app.single else 0} unanswered",
                    causes.get("single", "") if missed else "",
                ),
            )
        )
    if app.add_bytes:
        figures.append(
            common.figure(
                f"update size of one add to a {SIZE_CART_LINES}-line cart, largest [{config}]",
                max(app.add_bytes),
                "bytes",
                target="<= 2,048 bytes (2 KB)",
                met=max(app.add_bytes) <= 2048,
                notes=f"{len(app.add_bytes)} adds after the cart page's load; each: "
                + ", ".join(str(n) for n in app.add_bytes)
                + " bytes of Socket.IO frames (the delta and the toast)",
            )
        )
    if app.cpu_ms_per_event is not None:
        cpu_missed = judge_capacity and app.cpu_ms_per_event > CPU_TARGET_MS
        figures.append(
            common.figure(
                f"server CPU per cart add, at saturation [{config}]",
                app.cpu_ms_per_event,
                "ms",
                reference_label="bare python-socketio echo (uvicorn), CPU per echo",
                reference_value=echo.cpu_ms_per_event,
                target=f"<= {CPU_TARGET_MS:g} ms" if judge_capacity else None,
                met=not cpu_missed if judge_capacity else None,
                notes=_join(
                    "user + system CPU of every app process over the saturation window, "
                    "divided by the adds answered",
                    causes.get("cpu", "") if cpu_missed else "",
                ),
            )
        )
    floor = _ms(app.floor, "p50")
    if floor is not None:
        figures.append(
            common.figure(
                f"round trip of a handler without database (AuthState.clear_messages), 1 "
                f"session, p50 [{config}]",
                floor,
                "ms",
                reference_label=ECHO_LABEL,
                reference_value=_ms(echo.single, "p50"),
                notes=f"Reflex's own cost per event; p99 {_fmt(_ms(app.floor, 'p99'))} ms",
            )
        )
    for count, result in app.open_loops.items():
        reference = echo.open_loops.get(count)
        value, ref = _ms(result, "p99"), _ms(reference, "p99")
        judged = p99_target_ms is not None and count == p99_target_sessions
        met = None
        if judged and value is not None:
            met = value <= p99_target_ms and result.failures == 0
        offered = count * params.rate_per_session
        capacity = app.saturation.throughput if app.saturation else None
        load = f"offered {offered:g} adds/s" + (
            f" = {100 * offered / capacity:.0f}% of the saturation throughput below"
            if capacity
            else ""
        )
        figures.append(
            common.figure(
                f"cart add round trip, {count} sessions open loop "
                f"{params.rate_per_session:g}/s each, p99 [{config}]",
                value,
                "ms",
                reference_label=ECHO_LABEL,
                reference_value=ref,
                target=f"<= {p99_target_ms:g} ms" if judged else None,
                met=met,
                notes=_join(
                    load,
                    _load_note(result, reference) if reference else "",
                    causes.get(f"open{count}", "") if met is False else "",
                ),
            )
        )
    sat, ref_sat = app.saturation, echo.saturation
    if sat is not None and ref_sat is not None:
        ratio = common.ratio(sat.throughput, ref_sat.throughput)
        missed = judge_capacity and ratio is not None and ratio < SATURATION_TARGET_RATIO
        figures.append(
            common.figure(
                f"cart add events/s at saturation, {params.saturation_sessions} sessions "
                f"[{config}]",
                sat.throughput,
                "events/s",
                reference_label=ECHO_LABEL,
                reference_value=ref_sat.throughput,
                target=f">= {SATURATION_TARGET_RATIO:g}x echo" if judge_capacity else None,
                met=None if ratio is None or not judge_capacity else not missed,
                notes=_join(
                    f"closed loop, {params.saturation_seconds:g} s window; app p50 "
                    f"{_fmt(_ms(sat, 'p50'))} ms, p99 {_fmt(_ms(sat, 'p99'))} ms",
                    saturation_cause(app, echo, workers),
                    causes.get("saturation", "") if missed else "",
                ),
            )
        )
    return figures


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def profile_note(paths: list[Path]) -> str:
    """The app's own functions that took most of the app workers' busy samples."""
    if not paths:
        return ""
    frames = common.top_frames(paths, limit=6, app_only=True)
    if not frames:
        return ""
    shown = ", ".join(f"{_short(frame)} {share:.0f}%" for frame, share in frames)
    return f"py-spy of the app at saturation (share of busy samples, inclusive): {shown}"


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rstrip(')').removeprefix('fintech_ui/')})"


def overload_cause(app: Suite, params: Params, count: int) -> str:
    """Why an open loop's p99 grew: the offered load against the measured capacity."""
    fsync = (common.machine_description().get("fsync_ms") or {}).get("p99")
    disk = (
        f"; besides, one fsync (every add commits durably) takes {fsync} ms at p99 on this disk"
        if fsync
        else ""
    )
    if app.saturation is None or not app.saturation.throughput:
        return disk.removeprefix("; besides, ")
    offered = count * params.rate_per_session
    capacity = app.saturation.throughput
    if offered >= 0.7 * capacity:
        return (
            f"cause: {offered:g} adds/s offered against a measured capacity of "
            f"{capacity:.0f} adds/s (see the saturation figure for its CPU cost): the queue of "
            f"waiting events is what the p99 measures{disk}"
        )
    return (
        "cause: events of different sessions wait for each other: for the worker's CPU (one "
        "GIL per worker), for the default executor's threads (min(32, cores + 4), shared by "
        f"every database call) and, on SQLite, for the write lock{disk}"
    )


async def _run(params: Params, app_url: str, echo_url: str, cookies, app_pids, echo_pids):
    app = Target(app_url, cart_adds(), cookies=cookies, cpu_pids=app_pids)
    echo = Target(echo_url, echoes, hydrate=False, cpu_pids=echo_pids)
    profile_dir = Path(tempfile.mkdtemp(prefix="fintech-bench-prof-"))
    workers = [p for p in app_pids[1:]] or app_pids
    try:
        profiles = await measure_pair(
            app, echo, params, profile_pids=workers, profile_dir=profile_dir, label="[events] "
        )
    finally:
        if not any(profile_dir.iterdir()):
            profile_dir.rmdir()
    return app, echo, profiles


def main(quick: bool = False) -> None:
    """Measure and write bench/results/events.json."""
    params = Params.for_run(quick)
    common.log("[events] preparing a SQLite database with the demo catalogue and shoppers")
    with common.bench_database("sqlite") as env:
        common.seed(env, "demo")
        users = common.create_users(env, params.users_needed(), prefix="shop", password=PASSWORD)
        cookies: list[str | None] = [u.cookie for u in users[1:]]
        common.log("[events] timing the add's database work alone (before any load)")
        breakdown = db_breakdown(env, users[0].token, params.breakdown_events)
        with EchoServer() as echo_server, common.ProductionApp(env, workers=1) as app_server:
            common.log(f"[events] app at {app_server.url}, echo at {echo_server.url}")
            app, echo, profiles = asyncio.run(
                _run(
                    params,
                    app_server.url,
                    echo_server.url,
                    cookies,
                    app_server.all_pids(),
                    echo_server.all_pids(),
                )
            )
            command, echo_command = app_server.command, echo_server.command
    figures = events_figures(app.suite, echo.suite, params, breakdown, profiles, "1 worker, SQLite")
    common.write_results(
        "events",
        figures,
        {
            "title": "Cart add events, one worker (SQLite, disk state manager)",
            "configuration": "reflex run --env prod, 1 granian worker, SQLite, disk state manager",
            "app_command": command,
            "echo_command": echo_command,
            "quick": quick,
            "params": params.__dict__,
            "db_breakdown_ms": breakdown,
            "bench_command": "python -m bench.bench_events" + (" --quick" if quick else ""),
        },
    )


def events_figures(
    app,
    echo,
    params,
    breakdown,
    profiles,
    config,
    *,
    workers: int = 1,
    sqlite: bool = True,
    p50_target_ratio: float = 2.0,
    p99_target_ms: float | None = 20.0,
    judge_capacity: bool = True,
) -> list[dict[str, Any]]:
    """suite_figures with the measured causes filled in; deletes the profile files."""
    note = profile_note(profiles)
    causes = {
        "single": single_cause(app, echo, breakdown, sqlite, p50_target_ratio),
        "saturation": note,
        "cpu": note,
    }
    for count in params.session_counts:
        causes[f"open{count}"] = _join(overload_cause(app, params, count), note)
    for path in profiles:
        with contextlib.suppress(OSError):
            path.unlink()
    for folder in {path.parent for path in profiles}:
        with contextlib.suppress(OSError):
            folder.rmdir()
    return suite_figures(
        app,
        echo,
        params,
        config=config,
        causes=causes,
        workers=workers,
        p50_target_ratio=p50_target_ratio,
        p99_target_ms=p99_target_ms,
        judge_capacity=judge_capacity,
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--breakdown":
        _breakdown_command(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    main(parser.parse_args().quick)
