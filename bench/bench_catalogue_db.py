"""Catalogue database latency with 100,000 synthetic products, on SQLite and PostgreSQL.

`python -m bench.bench_catalogue_db [--quick]`. A fresh SQLite file is seeded by
`fintech_ui.services.seeding.seed_synthetic`; the same rows are copied into a fresh
PostgreSQL database (`fintech_bench_<uuid>` on 127.0.0.1, dropped afterwards; skipped when
the server is down).

Each timed call is what the app does per catalogue request: open a read-only session on the
app's engine (`make_engine`, same pragmas and pool) and call
`fintech_ui.services.catalogue.search_items` (whatever SQL it runs: the page marks, the
catalogue version, a count in the search index unless the app has it cached, the page's
SELECT).
Kinds of request, each with random parameters and timed separately after a warm-up:

* first page sorted by name / by price / by price descending (no search, no category),
* a category (random category, sort and one of the first pages),
* a deep page (random page in the second half of the catalogue, random sort),
* a search (random word, word fragment, product number or miss; sometimes a category),
* a search of one or two letters (any letter or digit, or two letters of a name, some of
  them in no name at all; sometimes a category).

Targets (issue 13): deep page p99 <= 5 ms on SQLite and on PostgreSQL, and every other page
the same; a search p99 <= 15 ms for a term of any length (the issue's search-event target: the
database's share of an event must fit in it).
The reference is the very same SQL (captured from the app's own execution) replayed through
the raw driver (sqlite3 / psycopg) on the same database right after each request, for context:
the ratio is the cost of the session and the ORM over the database's own work. When a target
is missed, the slowest request's plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) go into the
figure's notes, and candidate fixes are timed on the same database (metadata "diagnosis").
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import figure as _figure
from bench.common import nearest_rank, write_results

NAME = "catalogue_db"
PG_SERVER = os.environ.get(
    "FINTECH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PAGE_TARGET_MS = 5.0
SEARCH_TARGET_MS = 15.0
SEARCH_KINDS = ("search", "search, 1-2 letters")
ITEM_COLUMNS = (
    "id",
    "sku",
    "name",
    "name_key",
    "category",
    "description",
    "price_cents",
    "stock",
    "risk_level",
    "is_active",
)


# ---------------------------------------------------------------- results (self-contained)


# ---------------------------------------------------------------- environment


def _prepare_environment(data_dir: Path) -> None:
    """Settings the app modules read at import; keys in a temporary directory."""
    os.environ.setdefault("FINTECH_DATA_DIR", str(data_dir))
    os.environ.setdefault("FINTECH_DATABASE_URL", f"sqlite:///{data_dir / 'unused.db'}")
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database's URL (dropped afterwards), or None when unreachable."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    name = f"fintech_bench_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(
        PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except SQLAlchemyError as exc:
        print(f"PostgreSQL unavailable, skipped: {type(exc).__name__}", file=sys.stderr)
        admin.dispose()
        yield None
        return
    try:
        yield (
            sqlalchemy.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# ---------------------------------------------------------------- data


def _seed_sqlite(url: str, count: int) -> float:
    from sqlmodel import Session

    from fintech_ui.db import make_engine, migrate
    from fintech_ui.services.seeding import seed_synthetic

    migrate(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as db:
        seed_synthetic(db, count)
        db.commit()
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()
    return time.perf_counter() - started


def _copy_to_postgres(sqlite_file: Path, pg_url: str) -> None:
    import psycopg

    from fintech_ui.db import migrate

    migrate(pg_url)
    source = sqlite3.connect(sqlite_file)
    rows = source.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM items ORDER BY id").fetchall()  # noqa: S608
    source.close()
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY items ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:-1], bool(row[-1])))
        cursor.execute("SELECT setval(pg_get_serial_sequence('items', 'id'), max(id)) FROM items")
        # What autovacuum would do after a bulk load: the table, its page marks and counts.
        cursor.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------- the requests


def _request_makers(total_items: int) -> dict[str, Callable[[random.Random], dict[str, Any]]]:
    from fintech_ui.models import CATEGORIES
    from fintech_ui.services.seeding import _KINDS, _WORDS

    pages = max(1, -(-total_items // 12))
    sorts = ("name", "price", "price_desc")
    terms = [
        *(w.lower() for w in _WORDS),  # a word: ~8% of the products each
        *(w.lower()[1:4] for w in _WORDS),  # a fragment
        *(k.lower() for k in _KINDS.values()),  # a kind: 20%
        "zzzz",  # no match at all
    ]

    letters = "abcdefghijklmnopqrstuvwxyz0123456789"

    def short_search(rng: random.Random) -> dict[str, Any]:
        if rng.random() < 0.5:
            term = rng.choice(letters)
        elif rng.random() < 0.7:
            word = rng.choice(_WORDS).lower()
            start = rng.randrange(len(word) - 1)
            term = word[start : start + 2]  # two letters of a name: common
        else:
            term = rng.choice(letters) + rng.choice(letters)  # any two: often in no name
        return {
            "search": term,
            "category": rng.choice(CATEGORIES) if rng.random() < 0.3 else "",
            "sort": rng.choice(sorts),
            "page": 1 if rng.random() < 0.8 else rng.randint(2, 5),
        }

    def search(rng: random.Random) -> dict[str, Any]:
        choice = rng.random()
        if choice < 0.15:
            term = f"{rng.randrange(total_items):06d}"  # a product number: one or a few rows
        elif choice < 0.25:
            term = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}".lower()
        else:
            term = rng.choice(terms)
        return {
            "search": term,
            "category": rng.choice(CATEGORIES) if rng.random() < 0.3 else "",
            "sort": rng.choice(sorts),
            "page": 1 if rng.random() < 0.8 else rng.randint(2, 5),
        }

    return {
        "page, sort=name": lambda rng: {"sort": "name", "page": rng.randint(1, 3)},
        "page, sort=price": lambda rng: {"sort": "price", "page": rng.randint(1, 3)},
        "page, sort=price_desc": lambda rng: {"sort": "price_desc", "page": rng.randint(1, 3)},
        "category page": lambda rng: {
            "category": rng.choice(CATEGORIES),
            "sort": rng.choice(sorts),
            "page": rng.randint(1, 3),
        },
        "deep page": lambda rng: {
            "sort": rng.choice(sorts),
            "category": rng.choice(CATEGORIES) if rng.random() < 0.3 else "",
            "page": rng.randint(pages // 2, pages),
        },
        "search": search,
        "search, 1-2 letters": short_search,
    }


class _Capture:
    """Records the SQL statements (and parameters) the app sends, for the raw replay."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if self.active and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def _time_app(engine, run, end, kinds, rng: random.Random, *, warmup: int, runs: int):
    """Each request timed through the app, then its captured SQL replayed through the driver.

    Interleaved request by request, so that a busy moment of a shared machine hits both.
    Returns ({kind: [app ms]}, {kind: [raw ms]}, {kind: [[raw ms per statement]]},
    {kind: [(app ms, statements)]}).
    """
    from sqlalchemy import event
    from sqlmodel import Session

    from fintech_ui.services.catalogue import make_query, search_items

    capture = _Capture()
    event.listen(engine, "before_cursor_execute", capture)
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    raw: dict[str, list[float]] = {kind: [] for kind in kinds}
    per_statement: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    captured: dict[str, list[tuple[float, list[tuple[str, Any]]]]] = {kind: [] for kind in kinds}
    try:
        schedule = [kind for kind in kinds for _ in range(warmup + runs)]
        rng.shuffle(schedule)  # interleaved, so noise spreads over every kind alike
        seen = dict.fromkeys(kinds, 0)
        for kind in schedule:
            query = make_query(**kinds[kind](rng))
            capture.statements = []
            capture.active = True
            started = time.perf_counter()
            with Session(engine, expire_on_commit=False) as db:
                search_items(db, query)
            elapsed = (time.perf_counter() - started) * 1000
            capture.active = False
            parts = []
            for statement, params in capture.statements:
                started = time.perf_counter()
                run(statement, params)
                parts.append((time.perf_counter() - started) * 1000)
            end()
            seen[kind] += 1
            if seen[kind] > warmup:
                timings[kind].append(elapsed)
                raw[kind].append(sum(parts))
                per_statement[kind].append(parts)
                captured[kind].append((elapsed, list(capture.statements)))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return timings, raw, per_statement, captured


def _statement_kind(statement: str) -> str:
    lowered = statement.lower()
    if "catalogue_version" in lowered:
        return "catalogue version"
    if "_marks" in lowered:
        return "page marks"
    if "set_config" in lowered:
        return "planner switches"
    if "count(" in lowered:
        return "search count"
    if "items_search" in lowered or "items_grams" in lowered or "catalogue_pieces" in lowered:
        return "page SELECT from search index"
    return "page SELECT"


def _raw_runner(backend: str, target: str):
    """(run(statement, params) -> None, explain(statement, params) -> str, close(), end()).

    A request's statements run in one transaction, ended by end(), as in the app: on
    PostgreSQL its planner switches (set_config(..., true)) last until then."""
    if backend == "sqlite":
        connection = sqlite3.connect(target, check_same_thread=False)

        def run(statement: str, params: Any) -> None:
            connection.execute(statement, params).fetchall()

        def explain(statement: str, params: Any) -> str:
            rows = connection.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            return " | ".join(str(row[-1]) for row in rows)

        return run, explain, connection.close, lambda: None

    import psycopg

    connection = psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://"))

    def run_pg(statement: str, params: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            cursor.fetchall()

    def explain_pg(statement: str, params: Any) -> str:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + statement, params)
            return " | ".join(row[0].strip() for row in cursor.fetchall())

    return run_pg, explain_pg, connection.close, connection.rollback


def _bench_backend(
    backend: str, url: str, raw_target: str, quick: bool, *, only: tuple[str, ...] = (), label=""
) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from fintech_ui.db import make_engine
    from fintech_ui.models import Item

    engine = make_engine(url)
    with engine.connect() as connection:
        total_items = connection.execute(select(func.count()).select_from(Item)).scalar_one()
    kinds = _request_makers(total_items)
    if only:
        kinds = {kind: maker for kind, maker in kinds.items() if kind in only}
    warmup, runs = (10, 60) if quick else (20, 200)
    from fintech_ui.services import catalogue

    cache = getattr(catalogue, "_COUNT_CACHE", None)
    if isinstance(cache, dict):  # the app's in-process count cache: each backend starts cold
        cache.clear()
    run, explain, close, end = _raw_runner(backend, raw_target)
    try:
        timings, raw, per_statement, captured = _time_app(
            engine, run, end, kinds, random.Random(11), warmup=warmup, runs=runs
        )
        engine.dispose()
        figures = []
        for kind, values in timings.items():
            target_ms = SEARCH_TARGET_MS if kind in SEARCH_KINDS else PAGE_TARGET_MS
            p50, p99 = nearest_rank(values, 50), nearest_rank(values, 99)
            raw_p99 = nearest_rank(raw[kind], 99)
            split: dict[str, list[float]] = {}
            for (_ms, statements), parts in zip(captured[kind], per_statement[kind], strict=True):
                for (statement, _params), part in zip(statements, parts, strict=True):
                    split.setdefault(_statement_kind(statement), []).append(part)
            split_text = ", ".join(
                f"{name} x{len(ms) / len(values):.2f}/request p50 {nearest_rank(ms, 50):.2f} / "
                f"p99 {nearest_rank(ms, 99):.2f} ms"
                for name, ms in split.items()
            )
            notes = (
                f"{len(values)} requests over {total_items:,} products; app p50 {p50:.2f} ms, "
                f"raw p50 {nearest_rank(raw[kind], 50):.2f} ms; raw statements: {split_text}; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            met = p99 <= target_ms
            if not met:
                slowest = max(captured[kind], key=lambda item: item[0])[1]
                plans = [explain(statement, params) for statement, params in slowest]
                end()
                notes += "; slowest request's plans: " + " || ".join(
                    f"[{_statement_kind(statement)}: {params}] {plan}"
                    for (statement, params), plan in zip(slowest, plans, strict=True)
                )
            driver = "sqlite3" if backend == "sqlite" else "psycopg"
            figures.append(
                _figure(
                    f"{backend}{label}: catalogue {kind} p99",
                    p99,
                    "ms",
                    reference_label=f"same SQL via raw {driver} p99",
                    reference_value=raw_p99,
                    target=f"p99 <= {target_ms:g} ms",
                    met=met if not label else None,
                    notes=notes,
                )
            )
        return figures
    finally:
        close()


# ---------------------------------------------------------------- diagnosis of misses


def _timed(run, statement: str, params: Any, repeat: int) -> str:
    values = []
    for _ in range(repeat + 3):
        started = time.perf_counter()
        run(statement, params)
        values.append((time.perf_counter() - started) * 1000)
    values = values[3:]
    return f"p50 {nearest_rank(values, 50):.2f} / p99 {nearest_rank(values, 99):.2f} ms"


def _diagnose_sqlite(path: str, repeat: int) -> dict[str, str]:
    """Raw timings of each part of the app's answers next to the plain SQL they replace."""
    run, _explain, close, _end = _raw_runner("sqlite", path)
    connection = sqlite3.connect(path)
    try:
        active = "is_active IS 1"
        deep = connection.execute(
            f"SELECT count(*) * 95 / 100 FROM items WHERE {active}"  # noqa: S608
        ).fetchone()[0]
        mark = connection.execute(
            "SELECT name_key, item_id, (SELECT sum(n) FROM catalogue_name_marks m "
            "WHERE m.category = '' AND (m.name_key, m.item_id) < (o.name_key, o.item_id)) "
            "FROM catalogue_name_marks o WHERE category = '' AND (SELECT sum(n) FROM "
            "catalogue_name_marks m WHERE m.category = '' AND (m.name_key, m.item_id) <= "
            "(o.name_key, o.item_id)) > ? ORDER BY name_key, item_id LIMIT 1",
            (deep,),
        ).fetchone()
        like = f"{active} AND name_key LIKE ? ESCAPE '\\'"
        results = {
            "exact COUNT(*) of the active catalogue": _timed(
                run,
                f"SELECT count(*) FROM items WHERE {active}",  # noqa: S608
                (),
                repeat,
            ),
            "sum of the page marks (the app's count)": _timed(
                run, "SELECT sum(n) FROM catalogue_name_marks WHERE category = ''", (), repeat
            ),
            f"deep page by OFFSET {deep:,} (sort=name)": _timed(
                run,
                f"SELECT * FROM items WHERE {active} ORDER BY name_key, id LIMIT 12 OFFSET ?",  # noqa: S608
                (deep,),
                repeat,
            ),
            "the same page from its page mark (the app's)": _timed(
                run,
                f"SELECT * FROM items WHERE {active} AND (name_key, id) >= (?, ?) "  # noqa: S608
                "ORDER BY name_key, id LIMIT 12 OFFSET ?",
                (mark[0], mark[1], deep - mark[2]),
                repeat,
            ),
        }
        for term in ("token", "s"):
            results[f"LIKE COUNT(*) of {term!r}"] = _timed(
                run,
                f"SELECT count(*) FROM items WHERE {like}",  # noqa: S608
                (f"%{term}%",),
                repeat,
            )
        results["FTS5 trigram count of 'token' (the app's)"] = _timed(
            run,
            "SELECT count(*) FROM items_search WHERE items_search MATCH ?",
            ('"token"',),
            repeat,
        )
        results["piece count of 's' (the app's)"] = _timed(
            run,
            "SELECT coalesce(sum(n), 0) FROM catalogue_piece_counts WHERE piece = ?",
            ("s",),
            repeat,
        )
        return results
    finally:
        connection.close()
        close()


def _diagnose_postgres(url: str, repeat: int) -> dict[str, str]:
    """As _diagnose_sqlite, on PostgreSQL."""
    import psycopg

    run, _explain, close, end = _raw_runner("postgres", url)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")

    def timed_alone(statement: str, params: Any) -> str:
        try:
            return _timed(run, statement, params, repeat)
        finally:
            end()

    try:
        with psycopg.connect(dsn, autocommit=True) as connection:
            deep = connection.execute("SELECT count(*) * 95 / 100 FROM items").fetchone()[0]
        like = "is_active IS true AND name_key LIKE %s"
        return {
            "exact COUNT(*) of the active catalogue": timed_alone(
                "SELECT count(*) FROM items WHERE is_active IS true", None
            ),
            "sum of the page marks (the app's count)": timed_alone(
                "SELECT sum(n) FROM catalogue_name_marks WHERE category = ''", None
            ),
            f"deep page by OFFSET {deep:,} (sort=name)": timed_alone(
                "SELECT * FROM items WHERE is_active IS true ORDER BY name_key, id "
                "LIMIT 12 OFFSET %s",
                (deep,),
            ),
            "LIKE COUNT(*) of 'token'": timed_alone(
                f"SELECT count(*) FROM items WHERE {like}",  # noqa: S608
                ("%token%",),
            ),
            "GIN pieces count of 'token' (the app's catalogue_search_count)": timed_alone(
                "SELECT catalogue_search_count(%s, %s)", (["ken", "oke", "tok"], "%token%")
            ),
            "LIKE COUNT(*) of 's'": timed_alone(
                f"SELECT count(*) FROM items WHERE {like}",  # noqa: S608
                ("%s%",),
            ),
            "piece count of 's' (the app's)": timed_alone(
                "SELECT coalesce(sum(n), 0) FROM catalogue_piece_counts WHERE piece = %s", ("s",)
            ),
        }
    finally:
        close()


def main(quick: bool = False) -> None:
    """Seed, time every kind of catalogue request on SQLite and PostgreSQL, write results."""
    workdir = Path(tempfile.mkdtemp(prefix="fintech-bench-catalogue-"))
    _prepare_environment(workdir)
    count = 100_000
    repeat = 20 if quick else 40
    figures: list[dict[str, Any]] = []
    diagnosis: dict[str, dict[str, str]] = {}
    meta: dict[str, Any] = {
        "quick": quick,
        "products": count,
        "diagnosis": diagnosis,
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }
    try:
        sqlite_file = workdir / "catalogue.db"
        url = f"sqlite:///{sqlite_file}"
        _log(f"seeding {count:,} synthetic products into SQLite")
        meta["seed_seconds"] = round(_seed_sqlite(url, count), 1)
        _log("timing catalogue requests on SQLite")
        found = _bench_backend("sqlite", url, str(sqlite_file), quick)
        figures += found
        if any(fig["met"] is False for fig in found):
            _log("profiling the SQLite misses")
            diagnosis["sqlite"] = _diagnose_sqlite(str(sqlite_file), repeat)
        with _postgres_database() as pg_url:
            if pg_url is None:
                meta["postgres"] = "unreachable: skipped"
            else:
                _log("copying the products into PostgreSQL")
                _copy_to_postgres(sqlite_file, pg_url)
                _log("timing catalogue requests on PostgreSQL")
                found = _bench_backend("postgres", pg_url, pg_url, quick)
                figures += found
                if any(fig["met"] is False for fig in found):
                    _log("profiling the PostgreSQL misses")
                    diagnosis["postgres"] = _diagnose_postgres(pg_url, repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    meta["load_average_at_end"] = round(os.getloadavg()[0], 2)
    path = write_results(NAME, figures, meta)
    for fig in figures:
        print(
            f"{fig['figure']}: {fig['value']} {fig['unit']} (raw {fig['reference_value']}, "
            f"x{fig['ratio']}) target {fig['target']} met={fig['met']}"
        )
    for backend, lines in diagnosis.items():
        for what, timing in lines.items():
            print(f"  {backend} {what}: {timing}")
    print(f"written: {path}")


def _log(message: str) -> None:
    print(f"[catalogue_db {time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
