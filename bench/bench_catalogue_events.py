"""Catalogue events over the websocket with 100,000 products: round trip p99 and page delta size.

The app runs as in production (`reflex run --env prod`, one granian worker) on SQLite with the
demo catalogue plus `python -m fintech_ui.seed synthetic 100000`. One visitor's tab browses the
way the catalogue page lets a person: next and previous page, sorting by name or price,
choosing a category, and typing a search a letter at a time (one `search_for` per keystroke:
the page's input is debounced by 300 ms, so this is a slow typist, the worst case). Every one
of these events queries the database (page marks for a page without a search; for a search,
its count in the search index, cached until the catalogue changes, and a page SELECT) and
sends the new page of 12 products back as a delta.

Figures: p99 of the mix and of each kind, against the bare echo server's p99 measured in the
same run. Targets: issue 13's "catalogue search event p99 <= 15 ms at 100,000 products, any
length" for the searches of 1-2 letters and of 3 or more; the same 15 ms for the other kinds
and the mix; the bytes of a page-change update <= 10 KB, against the same 12 products as
compact JSON. The database's own p99 is bench_catalogue_db's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

from bench import common
from bench.echo_server import EchoServer
from bench.ws_client import (
    CATALOGUE_STATE,
    ReflexSession,
    any_update,
    has_delta_for,
)

ITEMS = 100_000
TARGET_P99_MS = 15.0
TARGET_DELTA_BYTES = 10_000  # 10 KB
SEARCH_WORDS = ("summit", "gold", "harbor 01", "token")


def _event(handler: str, payload: dict[str, Any] | None = None) -> tuple[str, str, dict]:
    kind = handler
    return kind, f"{CATALOGUE_STATE}.{handler}", payload or {}


def browsing_script(rounds: int) -> list[tuple[str, str, dict]]:
    """A visitor's session: (kind, event name, payload), repeated `rounds` times."""
    script: list[tuple[str, str, dict]] = []
    for index in range(rounds):
        script += [_event("next_page") for _ in range(4)]
        script += [_event("previous_page") for _ in range(2)]
        script.append(_event("choose_sort", {"value": "price"}))
        script += [_event("next_page") for _ in range(2)]
        script.append(_event("choose_sort", {"value": "price_desc"}))
        script.append(_event("choose_category", {"value": "bond"}))
        script.append(_event("next_page"))
        script.append(_event("choose_category", {"value": "all"}))
        script.append(_event("choose_sort", {"value": "name"}))
        word = SEARCH_WORDS[index % len(SEARCH_WORDS)]
        script += [_event("search_for", {"value": word[: n + 1]}) for n in range(len(word))]
        script.append(_event("search_for", {"value": ""}))
    return script


def _kind(name: str, payload: dict[str, Any] | None = None) -> str:
    if name == "search_for":
        # One or two letters come from another index than three or more (services/catalogue.py).
        letters = len((payload or {}).get("value", ""))
        if letters == 0:
            return "search cleared"
        return "search, 1-2 letters" if letters < 3 else "search, 3+ letters"
    return {
        "next_page": "page",
        "previous_page": "page",
        "choose_sort": "sort",
        "choose_category": "category",
    }[name]


def _page_json_bytes(update: dict[str, Any]) -> int | None:
    """The 12 products of the update as compact JSON, the least the page could be sent as."""
    products = (update.get("delta") or {}).get(CATALOGUE_STATE, {}).get("products_rx_state_")
    if products is None:
        return None
    return len(json.dumps(products, separators=(",", ":"), ensure_ascii=False).encode())


async def _measure(app_url: str, echo_url: str, rounds: int, warmup_rounds: int):
    script = browsing_script(rounds)
    app = await ReflexSession.connect(app_url)
    echo = await ReflexSession.connect(echo_url)
    try:
        await app.hydrate("/")
        done = has_delta_for(CATALOGUE_STATE)
        await app.call(f"{CATALOGUE_STATE}.load", path="/", done=done)
        for _kind_name, name, payload in browsing_script(warmup_rounds):
            await app.call(name, payload, path="/", done=done)
        by_kind: dict[str, list[float]] = {}
        all_app: list[float] = []
        echo_latencies: list[float] = []
        page_bytes: list[int] = []
        page_json: list[int] = []
        for kind_name, name, payload in script:
            # The echo server's round trip right beside each event: same machine, same moment.
            echo_result = await echo.call("echo", payload, done=any_update)
            echo_latencies.append(echo_result.latency_s)
            result = await app.call(name, payload, path="/", done=done)
            all_app.append(result.latency_s)
            by_kind.setdefault(_kind(kind_name, payload), []).append(result.latency_s)
            if kind_name == "next_page":
                page_bytes.append(result.bytes_received)
                compact = _page_json_bytes(result.updates[-1])
                if compact:
                    page_json.append(compact)
        return all_app, by_kind, echo_latencies, page_bytes, page_json
    finally:
        await app.close()
        await echo.close()


def db_breakdown(env: dict[str, str], rounds: int) -> dict[str, dict[str, float]] | None:
    """The same browsing, straight to services.catalogue.search_items in a quiet process (ms)."""
    try:
        out = common.run_python(
            env, "-m", "bench.bench_catalogue_events", "--breakdown", str(rounds), timeout=600
        )
        return json.loads(out.strip().splitlines()[-1])
    except Exception as exc:
        common.log(f"catalogue database breakdown failed: {exc}")
        return None


def _breakdown_command(rounds: int) -> None:
    """Replay browsing_script the way CatalogueState does, timing each search_items call."""
    from fintech_ui.db import session_scope
    from fintech_ui.services.catalogue import make_query, search_items

    state: dict[str, Any] = {"search": "", "category": "", "sort": "name", "page": 1}
    pages = 1
    timings: dict[str, list[float]] = {}
    for warm in (True, False):
        for kind_name, _name, payload in browsing_script(1 if warm else rounds):
            value = payload.get("value")
            if kind_name == "next_page":
                if state["page"] >= pages:
                    continue
                state["page"] += 1
            elif kind_name == "previous_page":
                if state["page"] <= 1:
                    continue
                state["page"] -= 1
            elif kind_name == "choose_sort":
                state.update(sort=value, page=1)
            elif kind_name == "choose_category":
                state.update(category="" if value == "all" else value, page=1)
            elif kind_name == "search_for":
                state.update(search=value, page=1)
            started = time.perf_counter()
            with session_scope(read_only=True) as db:
                result = search_items(db, make_query(**state))
            elapsed = (time.perf_counter() - started) * 1000
            state["page"], pages = result.page, result.pages
            if not warm:
                timings.setdefault(_kind(kind_name, payload), []).append(elapsed)
    summary = {
        kind: {"p50": common.percentile(v, 50), "p99": common.percentile(v, 99)}
        for kind, v in timings.items()
    }
    everything = [x for v in timings.values() for x in v]
    summary["mix"] = {
        "p50": common.percentile(everything, 50),
        "p99": common.percentile(everything, 99),
    }
    print(json.dumps(summary))


def _db_note(breakdown: dict[str, dict[str, float]] | None, kind: str) -> str:
    if not breakdown or kind not in breakdown:
        return ""
    row = breakdown[kind]
    return (
        f"the same queries straight to services.catalogue.search_items in a quiet process: "
        f"p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms (page marks, or a search's count "
        "and version, plus the page SELECT; bench_catalogue_db splits them)"
    )


def _figures(items: int, all_app, by_kind, echo_latencies, page_bytes, page_json, breakdown=None):
    echo_p99 = common.percentile(echo_latencies, 99) * 1000
    echo_label = "bare python-socketio echo (uvicorn), interleaved with the events"
    figures = []
    mix = common.summarize_ms(all_app)
    figures.append(
        common.figure(
            f"catalogue event round trip p99, browsing mix, {items:,} products",
            mix["p99"],
            "ms",
            reference_label=echo_label,
            reference_value=echo_p99,
            target=f"<= {TARGET_P99_MS:g} ms",
            met=mix["p99"] <= TARGET_P99_MS,
            notes=(
                f"{mix['n']} events, p50 {mix['p50']:.1f} ms, max {mix['max']:.1f} ms; kinds: "
                + ", ".join(f"{k} {len(v)}" for k, v in by_kind.items())
                + (f"; {_db_note(breakdown, 'mix')}" if _db_note(breakdown, "mix") else "")
            ),
        )
    )
    for kind, latencies in by_kind.items():
        summary = common.summarize_ms(latencies)
        figures.append(
            common.figure(
                f"catalogue {kind} event round trip p99, {items:,} products",
                summary["p99"],
                "ms",
                reference_label=echo_label,
                reference_value=echo_p99,
                target=f"<= {TARGET_P99_MS:g} ms",
                met=summary["p99"] <= TARGET_P99_MS,
                notes="; ".join(
                    p
                    for p in (
                        f"{summary['n']} events, p50 {summary['p50']:.1f} ms",
                        _db_note(breakdown, kind),
                    )
                    if p
                ),
            )
        )
    if page_bytes:
        biggest = max(page_bytes)
        figures.append(
            common.figure(
                "catalogue page delta (next page: one update, 12 products), largest",
                biggest,
                "bytes",
                reference_label="the same 12 products as compact JSON",
                reference_value=statistics.median(page_json) if page_json else None,
                target=f"<= {TARGET_DELTA_BYTES:,} bytes (10 KB)",
                met=biggest <= TARGET_DELTA_BYTES,
                notes=(
                    f"median {statistics.median(page_bytes):.0f} bytes over {len(page_bytes)} "
                    "page changes: the Socket.IO text frame(s) as received"
                ),
            )
        )
    return figures


def main(quick: bool = False) -> None:
    """Measure and write bench/results/catalogue_events.json."""
    items = 2_000 if quick else ITEMS
    rounds, warmup_rounds = (1, 1) if quick else (12, 2)
    common.log(f"[catalogue events] seeding {items:,} synthetic products into SQLite")
    with common.bench_database("sqlite") as env:
        common.seed(env, "demo")
        common.seed(env, "synthetic", str(items), timeout=900)
        with EchoServer() as echo_server, common.ProductionApp(env, workers=1) as app_server:
            common.log(f"[catalogue events] app at {app_server.url}")
            results = asyncio.run(_measure(app_server.url, echo_server.url, rounds, warmup_rounds))
            command, echo_command = app_server.command, echo_server.command
        common.log("[catalogue events] timing the same queries without Reflex")
        breakdown = db_breakdown(env, rounds)
    common.write_results(
        "catalogue_events",
        _figures(items, *results, breakdown=breakdown),
        {
            "title": "Catalogue events",
            "configuration": (
                f"reflex run --env prod, 1 granian worker, SQLite, {items:,} synthetic products "
                "+ the demo catalogue, one visitor tab"
            ),
            "app_command": command,
            "echo_command": echo_command,
            "quick": quick,
            "bench_command": "python -m bench.bench_catalogue_events"
            + (" --quick" if quick else ""),
        },
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--breakdown":
        _breakdown_command(int(sys.argv[2]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    main(parser.parse_args().quick)
