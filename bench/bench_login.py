"""Login latency against one bcrypt.checkpw, and other users' events during a login storm.

The app runs as in production (`reflex run --env prod`, one granian worker, SQLite) with
FINTECH_ENV=production and FINTECH_BCRYPT_ROUNDS=12, the production default. A login is what the
browser does: the `AuthState.log_in` event over the websocket (answered with the script that
navigates to the cookie endpoint), then `GET /auth/session?code=...`, which sets the session
cookie. The reference is `bcrypt.checkpw` of a cost-12 hash, timed in this process, alternating
with the logins.

The storm: a number of users log in at once, over and over, each from its own loopback
address (127.0.0.x: the per-address throttle is per client, and a storm of real users comes
from many). Meanwhile other logged-in users add to their carts at a fixed rate; their p99 is
compared with the same load without the storm.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench import common
from bench.bench_events import cart_adds
from bench.ws_client import (
    AUTH_STATE,
    LoadResult,
    ReflexSession,
    close_all,
    connect_many,
    open_loop,
)
from fintech_ui.security import LOGIN_NONCE_COOKIE, new_login_nonce

LOG_IN = f"{AUTH_STATE}.log_in"
PASSWORD = "Bench-Harbour-Lantern-2024"  # noqa: S105 (benchmark users' shared password)
ROUNDS = 12
TARGET_RATIO = 1.25
STORM_TARGET = 3.0


@dataclass(frozen=True)
class Params:
    logins: int = 15
    others: int = 20  # logged-in users adding to carts during both windows
    others_rate: float = 0.5  # adds/s each, as in bench_events
    window_s: float = 10.0
    warmup_s: float = 1.5
    storm_concurrency: int = 10  # users logging in at the same time, over and over

    @classmethod
    def for_run(cls, quick: bool) -> Params:
        if quick:
            return cls(logins=3, others=4, window_s=2.0, warmup_s=0.5, storm_concurrency=3)
        return cls()


def _login_done(update: dict[str, Any]) -> bool:
    # Success: the script navigating to the cookie endpoint; failure: the form's error message.
    if update.get("events"):
        return True
    return bool((update.get("delta") or {}).get(AUTH_STATE, {}).get("login_error_rx_state_"))


def _code_from(updates: list[dict[str, Any]]) -> str | None:
    import re

    for update in updates:
        for event in update.get("events") or []:
            match = re.search(r"code=([A-Za-z0-9_\-]+)", str(event.get("payload")))
            if match:
                return match.group(1)
    return None


@dataclass
class Login:
    event_s: float
    total_s: float
    ok: bool


async def log_in(
    url: str, client: httpx.AsyncClient, username: str, *, local_host: str | None = None
) -> Login:
    """One browser login: new tab (with its login nonce, as a served page gives it), hydrate,
    log_in event, cookie endpoint."""
    nonce = new_login_nonce()
    session = await ReflexSession.connect(
        url, local_host=local_host, cookie=f"{LOGIN_NONCE_COOKIE}={nonce}"
    )
    try:
        await session.hydrate("/login")
        started = time.perf_counter()
        result = await session.call(
            LOG_IN,
            {"form_data": {"username": username, "password": PASSWORD}},
            path="/login",
            done=_login_done,
        )
        event_s = result.latency_s
        code = _code_from(result.updates)
        if code is None:
            return Login(event_s, time.perf_counter() - started, False)
        response = await client.get(
            f"{url}/auth/session",
            params={"code": code},
            headers={"cookie": f"{LOGIN_NONCE_COOKIE}={nonce}"},
        )
        total = time.perf_counter() - started
        ok = response.status_code in (302, 303, 307) and "fintech_session=" in response.headers.get(
            "set-cookie", ""
        )
        return Login(event_s, total, ok)
    finally:
        await session.close()


def checkpw_seconds(password_hash: bytes, candidate: bytes) -> float:
    """One bcrypt.checkpw, timed."""
    import bcrypt

    started = time.perf_counter()
    bcrypt.checkpw(candidate, password_hash)
    return time.perf_counter() - started


async def _storm(
    url: str, users: list[common.BenchUser], until: float, client: httpx.AsyncClient
) -> list[Login]:
    logins: list[Login] = []

    async def loop(index: int) -> None:
        user = users[index]
        host = f"127.0.0.{20 + index}"
        while time.perf_counter() < until:
            try:
                logins.append(await log_in(url, client, user.username, local_host=host))
            except (TimeoutError, ConnectionError, httpx.HTTPError):
                logins.append(Login(0.0, 0.0, False))

    await asyncio.gather(*(loop(i) for i in range(len(users))))
    return logins


async def _run(url: str, params: Params, users: dict[str, list[common.BenchUser]]):
    import bcrypt

    candidate = b"x" * 44  # the app's HMAC pre-hash is 44 base64 bytes
    password_hash = bcrypt.hashpw(candidate, bcrypt.gensalt(ROUNDS))
    async with httpx.AsyncClient(follow_redirects=False, timeout=60) as client:
        # Warm up: one login (imports, pools, the dummy hash) and one checkpw.
        await log_in(url, client, users["single"][0].username)
        checkpw_seconds(password_hash, candidate)
        common.log("[login] single logins alternating with bcrypt.checkpw")
        logins, checks = [], []
        for index in range(params.logins):
            logins.append(await log_in(url, client, users["single"][1 + index].username))
            checks.append(await asyncio.to_thread(checkpw_seconds, password_hash, candidate))

        others = await connect_many(url, params.others, cookies=[u.cookie for u in users["others"]])
        try:
            make = cart_adds()
            common.log(f"[login] baseline: {params.others} users adding at {params.others_rate}/s")
            baseline = await open_loop(
                others,
                make,
                rate_per_session=params.others_rate,
                duration_s=params.window_s,
                warmup_s=params.warmup_s,
                seed=2,
            )
            common.log(f"[login] storm: {params.storm_concurrency} users logging in at once")
            until = time.perf_counter() + params.warmup_s + params.window_s + 1.0
            storm_task = asyncio.create_task(_storm(url, users["storm"], until, client))
            during = await open_loop(
                others,
                make,
                rate_per_session=params.others_rate,
                duration_s=params.window_s,
                warmup_s=params.warmup_s,
                seed=3,
            )
            storm = await storm_task
        finally:
            await close_all(others)
    return logins, checks, baseline, during, storm


def _figures(params: Params, logins, checks, baseline: LoadResult, during: LoadResult, storm):
    ok = [x for x in logins if x.ok]
    check_ms = statistics.median(checks) * 1000
    total_ms = statistics.median(x.total_s for x in ok) * 1000 if ok else None
    event_ms = statistics.median(x.event_s for x in ok) * 1000 if ok else None
    ratio = common.ratio(total_ms, check_ms)
    failed = len(logins) - len(ok)
    figures = [
        common.figure(
            "login latency, median (log_in event + cookie endpoint)",
            total_ms,
            "ms",
            reference_label=f"one bcrypt.checkpw at cost {ROUNDS}, median, same run",
            reference_value=check_ms,
            target=f"<= {TARGET_RATIO}x checkpw",
            met=None if ratio is None else (ratio <= TARGET_RATIO and failed == 0),
            notes=(
                f"{len(ok)} of {len(logins)} logins succeeded; login p90 "
                f"{_p(ok, 90, 'total_s')} ms, checkpw p90 "
                f"{common.percentile(checks, 90) * 1000:.0f} ms; "
                f"FINTECH_BCRYPT_ROUNDS={ROUNDS}, FINTECH_ENV=production"
            ),
        ),
        common.figure(
            "login event round trip alone, median (log_in -> navigate script)",
            event_ms,
            "ms",
            reference_label=f"one bcrypt.checkpw at cost {ROUNDS}, median",
            reference_value=check_ms,
            notes="the websocket part of the login, without the cookie endpoint",
        ),
    ]
    base_p99 = common.summarize_ms(baseline.latencies)["p99"]
    storm_p99 = common.summarize_ms(during.latencies)["p99"]
    storm_ok = [x for x in storm if x.ok]
    storm_ratio = common.ratio(storm_p99, base_p99)
    window = params.window_s + params.warmup_s + 1.0
    threads = min(32, (os.cpu_count() or 1) + 4)
    cause = ""
    if storm_ratio is not None and storm_ratio > STORM_TARGET:
        cause = (
            f"; cause: state/auth.py log_in runs _log_in_sync (bcrypt at cost {ROUNDS}, "
            f"{check_ms:.0f} ms of CPU) through asyncio.to_thread, i.e. on the event loop's "
            f"default executor: {threads} threads (min(32, cores + 4)) shared with every "
            "current_user and run_db call of every other user. "
            f"{params.storm_concurrency} logins at once hold all of them, so the other users' "
            "database calls queue behind bcrypt (their p50 goes from "
            f"{common.summarize_ms(baseline.latencies)['p50']:.0f} to "
            f"{common.summarize_ms(during.latencies)['p50']:.0f} ms), and the hashes take "
            f"every core ({os.cpu_count()}) from the event loop"
        )
    figures.append(
        common.figure(
            f"other users' cart add p99 during a login storm ({params.storm_concurrency} "
            f"concurrent logins)",
            storm_p99,
            "ms",
            reference_label=(
                f"same users and load without the storm ({params.others} users x "
                f"{params.others_rate:g} adds/s)"
            ),
            reference_value=base_p99,
            target=f"<= {STORM_TARGET}x baseline",
            met=None if storm_ratio is None else storm_ratio <= STORM_TARGET,
            notes=(
                f"baseline p50 {common.summarize_ms(baseline.latencies)['p50']:.1f} ms, storm p50 "
                f"{common.summarize_ms(during.latencies)['p50']:.1f} ms; unanswered "
                f"{baseline.failures}/{during.failures}; storm: {len(storm_ok)} logins in "
                f"{window:.0f} s ({len(storm_ok) / window:.1f}/s), {len(storm) - len(storm_ok)} "
                f"failed or refused, login median "
                f"{_p(storm_ok, 50, 'total_s')} ms{cause}"
            ),
        )
    )
    return figures


def _p(logins: list[Login], pct: float, attr: str) -> str:
    if not logins:
        return "n/a"
    return f"{common.percentile([getattr(x, attr) for x in logins], pct) * 1000:.0f}"


def main(quick: bool = False) -> None:
    """Measure and write bench/results/login.json."""
    params = Params.for_run(quick)
    common.log("[login] preparing a SQLite database, users hashed at cost 12")
    with common.bench_database("sqlite", bcrypt_rounds=ROUNDS, environment="production") as env:
        common.seed(env, "demo")
        single = common.create_users(env, params.logins + 1, prefix="login", password=PASSWORD)
        others = common.create_users(env, params.others, prefix="other", password=PASSWORD)
        storm = common.create_users(
            env, params.storm_concurrency, prefix="storm", password=PASSWORD
        )
        users = {"single": single, "others": others, "storm": storm}
        with common.ProductionApp(env, workers=1) as app:
            common.log(f"[login] app at {app.url}")
            results = asyncio.run(_run(app.url, params, users))
            command = app.command
    figures = _figures(params, *results)
    common.write_results(
        "login",
        figures,
        {
            "title": "Login",
            "configuration": (
                "reflex run --env prod, 1 granian worker, SQLite, FINTECH_ENV=production, "
                f"FINTECH_BCRYPT_ROUNDS={ROUNDS}"
            ),
            "app_command": command,
            "quick": quick,
            "params": params.__dict__,
            "bench_command": "python -m bench.bench_login" + (" --quick" if quick else ""),
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    main(parser.parse_args().quick)
