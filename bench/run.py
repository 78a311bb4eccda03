"""Run every benchmark, then write docs/benchmarks.md from bench/results/*.json.

`python -m bench.run` (what `make bench` runs), `python -m bench.run --quick` for a tiny smoke
run, `--only events,login` for some modules, `--report` to rewrite the page from the results
already there. Each bench/bench_*.py module's `main(quick)` runs in a process of its own, one
after another (a module that fails is reported and the others still run); a full run first
removes the results of earlier runs, so the page shows one run only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.findings import FINDINGS

DOC = common.REPO / "docs" / "benchmarks.md"
STATUS_FILE = common.RESULTS_DIR / "_run.json"
MODULE_TIMEOUT_S = 900


def modules() -> list[str]:
    """bench_*.py module names, alphabetically."""
    return sorted(p.stem for p in common.BENCH_DIR.glob("bench_*.py"))


def run_module(name: str, quick: bool) -> dict[str, Any]:
    """`bench.<name>.main(quick)` in a subprocess; its status and duration."""
    common.log(f"=== {name}{' (quick)' if quick else ''}")
    started = time.monotonic()
    code = f"import bench.{name} as m; m.main(quick={quick!r})"
    try:
        proc = subprocess.run(
            [common.PYTHON, "-c", code],
            cwd=common.REPO,
            env=common.base_environment(),
            timeout=MODULE_TIMEOUT_S,
            check=False,
        )
        status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    except subprocess.TimeoutExpired:
        status = f"failed (timed out after {MODULE_TIMEOUT_S} s)"
    seconds = time.monotonic() - started
    common.log(f"=== {name}: {status} in {seconds:.0f} s")
    return {"module": name, "status": status, "seconds": round(seconds, 1)}


# ------------------------------------------------------------------------------------ report


def _load_results() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(common.RESULTS_DIR.glob("*.json")):
        if path.name.startswith("_"):
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, list):  # a bare list of figures
            document = {"name": path.stem, "figures": document}
        document.setdefault("name", path.stem)
        documents.append(document)
    return documents


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        magnitude = abs(value)
        if magnitude >= 1000:
            text = f"{value:,.0f}"
        elif magnitude >= 100:
            text = f"{value:.0f}"
        elif magnitude >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
        return f"{text} {unit}".strip()
    return str(value)


def _ratio(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if value < 100 else f"{value:,.0f}×"


def _met(value: Any) -> str:
    return {True: "**met**", False: "**missed**"}.get(value, "–")


def _cell(text: Any) -> str:
    return str(text if text is not None else "–").replace("|", "\\|").replace("\n", " ")


def _machine_lines(machine: dict[str, Any]) -> list[str]:
    if not machine:
        return ["(no machine description recorded)"]
    keys = [
        ("cpu", "CPU"),
        ("cores", "Cores"),
        ("ram_gib", "RAM (GiB)"),
        ("os", "OS"),
        ("python", "Python"),
        ("reflex", "Reflex"),
        ("python_socketio", "python-socketio"),
        ("granian", "Granian"),
        ("uvicorn", "uvicorn"),
        ("sqlalchemy", "SQLAlchemy"),
        ("bcrypt", "bcrypt"),
        ("postgresql", "PostgreSQL client"),
        ("redis", "Redis"),
        ("fsync_ms", "Disk: 4 KiB write + fsync (ms)"),
    ]
    lines = ["| | |", "|---|---|"]
    for key, label in keys:
        if key not in machine:
            continue
        value = machine[key]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"| {label} | {_cell(value)} |")
    return lines


def write_report(statuses: list[dict[str, Any]] | None = None, *, quick: bool = False) -> Path:
    """docs/benchmarks.md from every results file."""
    documents = _load_results()
    if statuses is None and STATUS_FILE.exists():
        saved = json.loads(STATUS_FILE.read_text(encoding="utf-8"))
        statuses, quick = saved.get("statuses"), saved.get("quick", False)
    machine = next((d["machine"] for d in documents if d.get("machine")), None)
    machine = machine or common.machine_description()
    all_figures = [(d, f) for d in documents for f in d.get("figures", [])]
    missed = sum(1 for _, f in all_figures if f.get("met") is False)
    met = sum(1 for _, f in all_figures if f.get("met") is True)
    when = max((d.get("written_at", "") for d in documents), default="")

    out: list[str] = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench.run`) from `bench/results/*.json`; do not "
        "edit by hand. Every figure is measured against a reference measured in the same run on "
        "the same machine (shared and noisy: compare ratios, not absolute times).",
        "",
        f"Last results written {when or 'n/a'}"
        + (" — **quick smoke run, figures are not meaningful**" if quick else "")
        + f". {met} targets met, {missed} missed.",
        "",
        "## How to run",
        "",
        "```bash",
        "make bench                               # make install, then every benchmark (~10 min)",
        ".venv/bin/python -m bench.run --quick    # tiny smoke run of everything",
        ".venv/bin/python -m bench.run --only bench_events,bench_login",
        ".venv/bin/python -m bench.bench_events [--quick]   # one module alone",
        ".venv/bin/python -m bench.run --report   # rewrite this page from bench/results/",
        "```",
        "",
        "Needs PostgreSQL on 127.0.0.1:5432 (user postgres; a database `fintech_bench_<uuid>` is "
        "created and dropped per run) and `redis-server` on PATH (a private one on a free port; "
        "the shared Redis on 6379 is never touched). Each benchmark uses its own data directory "
        "and database; the app runs as in production: `reflex run --env prod` in a temporary "
        "copy of the project (rxconfig.py, assets, reflex.lock) with GRANIAN_WORKERS set.",
        "",
        "## Machine",
        "",
        *_machine_lines(machine),
        "",
    ]
    if statuses:
        out += ["## Modules of this run", "", "| module | status | seconds |", "|---|---|---|"]
        out += [f"| {s['module']} | {s['status']} | {s['seconds']:.0f} |" for s in statuses]
        out.append("")

    out += [
        "## All figures",
        "",
        "| figure | value | reference | ref. value | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, f in all_figures:
        ref_unit = f.get("unit", "") if f.get("reference_label") else ""
        out.append(
            f"| {_cell(f.get('figure'))} | {_number(f.get('value'), f.get('unit', ''))} | "
            f"{_cell(f.get('reference_label'))} | "
            f"{_number(f.get('reference_value'), ref_unit)} "
            f"| {_ratio(f.get('ratio'))} | {_cell(f.get('target'))} | {_met(f.get('met'))} |"
        )
    out.append("")

    out += ["## Details", ""]
    for document in documents:
        meta = document.get("meta") or {}
        out += [f"### {meta.get('title') or document['name']}", ""]
        for key, label in (
            ("bench_command", "Benchmark"),
            ("configuration", "Configuration"),
            ("app_command", "App command"),
            ("echo_command", "Reference server"),
        ):
            if meta.get(key):
                out.append(
                    f"- {label}: `{meta[key]}`" if "command" in key else f"- {label}: {meta[key]}"
                )
        if meta.get("params"):
            params = ", ".join(f"{k}={v}" for k, v in meta["params"].items())
            out.append(f"- Parameters: {params}")
        out += [f"- Results file: `bench/results/{document['name']}.json`", ""]
        for f in document.get("figures", []):
            verdict = _met(f.get("met"))
            reference = ""
            if f.get("reference_label"):
                reference = (
                    f" — reference: {f['reference_label']} = "
                    f"{_number(f.get('reference_value'), f.get('unit', ''))}, ratio "
                    f"{_ratio(f.get('ratio'))}"
                )
            target = f" — target {f['target']}: {verdict}" if f.get("target") else ""
            out.append(
                f"- **{f.get('figure')}**: {_number(f.get('value'), f.get('unit', ''))}"
                f"{reference}{target}"
            )
            if f.get("notes"):
                out.append(f"  - {f['notes']}")
        out.append("")

    out += [FINDINGS.strip(), ""]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(out), encoding="utf-8")
    common.log(f"wrote {DOC.relative_to(common.REPO)}")
    return DOC


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run of everything")
    parser.add_argument("--only", default="", help="comma-separated module names (bench_x)")
    parser.add_argument("--report", action="store_true", help="only rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.report:
        write_report()
        return 0
    names = modules()
    if args.only:
        wanted = {n.strip().removesuffix(".py") for n in args.only.split(",") if n.strip()}
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in wanted}
        unknown = wanted - set(names)
        if unknown:
            parser.error(f"no such module: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    else:
        for path in common.RESULTS_DIR.glob("*.json"):
            path.unlink()
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    statuses = [run_module(name, args.quick) for name in names]
    if args.only and STATUS_FILE.exists():  # keep the other modules' last statuses
        with contextlib.suppress(ValueError, OSError):
            earlier = json.loads(STATUS_FILE.read_text(encoding="utf-8")).get("statuses") or []
            ran = {s["module"] for s in statuses}
            statuses = sorted(
                [s for s in earlier if s.get("module") not in ran] + statuses,
                key=lambda s: s["module"],
            )
    STATUS_FILE.write_text(
        json.dumps(
            {
                "statuses": statuses,
                "quick": args.quick,
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    write_report(statuses, quick=args.quick)
    common.log(f"all done in {time.monotonic() - started:.0f} s")
    return 0 if all(s["status"] == "ok" for s in statuses if s["module"] in names) else 1


if __name__ == "__main__":
    sys.exit(main())
