"""First load of the production build, against a blank Reflex app built in the same run.

`python -m bench.bench_first_load [--quick]`. Two production builds are made and served the
way the browser tests do it (`reflex.testing.AppHarnessProd` in a throw-away directory: the
frontend exported and served as static files, precompressed, by uvicorn; the backend by
uvicorn), each in a subprocess of its own:

* the Fintech UI: copies of rxconfig.py, assets/ and reflex.lock/, the repository's own
  `fintech_ui` package, a fresh SQLite database with the demo catalogue;
* the reference: bench/blank_app (one page, one text and a counter button, the same Reflex
  version and the same Reflex configuration, copied with the same reflex.lock/).

Then Chromium (Debian's, under Playwright) loads `/` of each with an empty cache:

(a) bytes: every JavaScript and CSS response of the first page, until the page is live and the
    network is idle, gzip-compressed here (level 9) from the decoded bodies, so the figure does
    not depend on how the server compresses. Target: <= 1.1 x blank.
(b) "first click reflected": milliseconds from navigation start until a click on a button has
    changed the page: on the Fintech UI the first enabled "Add … to cart" button of the catalogue,
    reflected by the cart badge in the navigation bar; on the blank app the counter. A script
    injected before the page's own clicks the button as soon as React has hydrated it (and again
    every 500 ms if nothing changed), and a MutationObserver stamps the moment the change lands,
    with `performance.now()` (whose origin is the navigation start). Loads alternate between the
    apps (ABBA); medians are reported. Target: <= 1.3 x blank.

The breakdown of each load (HTML, DOMContentLoaded, hydration, websocket open, button shown,
click, change) goes into the notes, and the largest assets of each app into the metadata.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import figure as _figure
from bench.common import write_results
from testsupport.app import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
NAME = "first_load"
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").is_dir() else sys.executable
BYTES_TARGET = 1.1
CLICK_TARGET = 1.3
READY_MARK = "BENCH_FIRST_LOAD_READY "
BUILD_TIMEOUT_S = 600
APPS = {
    "fintech": {
        "app_name": "fintech_ui",
        "button": 'button[aria-label^="Add "][aria-label$=" to cart"]:not([disabled])',
        "done": "document.querySelector('[aria-label=\"items in cart\"]') !== null",
    },
    "blank": {
        "app_name": "blank_app",
        "button": 'button[aria-label="Count"]',
        "done": "Number((document.getElementById('count') || {}).textContent || 0) >= 1",
    },
}

# Runs before any script of the page: stamps the milestones of the load and clicks the button
# as soon as React has hydrated it (React sets a __reactProps$… key on the element then).
INIT_SCRIPT = """
(() => {
  const B = (window.__bench = { marks: {}, clicks: 0, frames: [] });
  const mark = (name) => { if (!(name in B.marks)) B.marks[name] = performance.now(); };
  const NativeWebSocket = window.WebSocket;
  class StampedWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      mark("ws_created");
      this.addEventListener("open", () => mark("ws_open"));
      this.addEventListener("message", (message) => {
        mark("ws_first_message");
        const text = typeof message.data === "string" ? message.data : "";
        B.frames.push({ t: performance.now(), dir: "in", bytes: text.length,
                        what: text.includes('"delta"') ? "delta" : text.slice(0, 24) });
      });
    }
    send(data) {
      const text = typeof data === "string" ? data : "";
      const names = text.match(/"name":"[^"]*"/g) || [];
      B.frames.push({ t: performance.now(), dir: "out", bytes: text.length,
                      what: names.map((n) => n.slice(8, -1).split(".").pop()).join(" ") ||
                            text.slice(0, 24) });
      return super.send(data);
    }
  }
  window.WebSocket = StampedWebSocket;
  const SELECTOR = %(button)s;
  const done = () => { try { return %(done)s; } catch (e) { return false; } };
  const hydrated = (el) => Object.keys(el).some((k) => k.startsWith("__reactProps$"));
  let lastClick = -1e9;
  const tick = () => {
    if ("reflected" in B.marks) return;
    if (B.clicks > 0 && done()) { mark("reflected"); return; }
    const button = document.querySelector(SELECTOR);
    if (button) {
      mark("button_present");
      if (hydrated(button)) {
        mark("button_hydrated");
        if (performance.now() - lastClick > 500) {
          lastClick = performance.now();
          B.clicks += 1;
          mark("click");
          button.click();
        }
      }
    }
  };
  new MutationObserver(tick).observe(document, {
    childList: true, subtree: true, characterData: true, attributes: true,
  });
  const poll = () => { tick(); if (!("reflected" in B.marks)) setTimeout(poll, 2); };
  poll();
})();
"""


# ---------------------------------------------------------------- results (self-contained)


def _log(message: str) -> None:
    print(f"[first_load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- building and serving


def _build_root(kind: str, workdir: Path) -> Path:
    """A directory holding what the build needs besides the Python code of the app."""
    root = workdir / kind
    root.mkdir(parents=True)
    if kind == "fintech":
        shutil.copy2(REPO / "rxconfig.py", root / "rxconfig.py")
        if (REPO / "assets").is_dir():
            shutil.copytree(REPO / "assets", root / "assets", symlinks=True)
    else:
        shutil.copy2(BENCH / "blank_app" / "rxconfig.py", root / "rxconfig.py")
        shutil.copytree(
            BENCH / "blank_app" / "blank_app",
            root / "blank_app",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    if (REPO / "reflex.lock").is_dir():  # the same pinned frontend packages for both
        shutil.copytree(REPO / "reflex.lock", root / "reflex.lock")
    return root


def _environment(kind: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    venv_bin = str(REPO / ".venv" / "bin")
    if venv_bin not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env["REFLEX_USE_NPM"] = "1"
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    if kind == "fintech":
        data = workdir / "fintech-data"
        env["FINTECH_DATA_DIR"] = str(data)
        env["FINTECH_DATABASE_URL"] = f"sqlite:///{data / 'fintech.db'}"
        # The build is the production one (AppHarnessProd); the settings stay "development"
        # because production demands origins fixed before the harness picks its ports. The
        # security headers are turned on so the page pays for its CSP as in production.
        env["FINTECH_ENV"] = "development"
        env["FINTECH_SECURITY_HEADERS"] = "1"
    return env


class _Served:
    """One app built and served by AppHarnessProd in a subprocess (`--serve KIND ROOT`)."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.root = _build_root(kind, workdir)
        self.log_path = workdir / f"{kind}.log"
        self.env = _environment(kind, workdir)
        self.process: subprocess.Popen | None = None
        self.frontend_url = ""
        self.started = 0.0
        self.build_seconds = 0.0

    def start(self) -> _Served:
        if self.kind == "fintech":
            self._prepare_database()
        self.started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "bench.bench_first_load", "--serve", self.kind, str(self.root)],
                cwd=self.root,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def _prepare_database(self) -> None:
        code = (
            "from fintech_ui.db import migrate, session_scope\n"
            "from fintech_ui.services.seeding import seed_demo\n"
            "migrate()\n"
            "with session_scope() as db:\n"
            "    seed_demo(db)\n"
        )
        subprocess.run([PYTHON, "-c", code], cwd=REPO, env=self.env, check=True)

    def wait_ready(self) -> _Served:
        deadline = time.monotonic() + BUILD_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            for line in text.splitlines():
                if line.startswith(READY_MARK):
                    info = json.loads(line.removeprefix(READY_MARK))
                    self.frontend_url = info["frontend"].rstrip("/") + "/"
                    self.build_seconds = time.monotonic() - self.started
                    return self
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} build failed:\n{text[-4000:]}")
            time.sleep(0.5)
        raise RuntimeError(f"{self.kind}: not ready after {BUILD_TIMEOUT_S} s")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()  # the subprocess stops its harness when stdin closes
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _serve(kind: str, root: Path) -> int:
    """In the subprocess: build and serve one app until stdin closes."""
    from reflex.testing import AppHarnessProd
    from reflex_base.config import get_config

    harness = AppHarnessProd.create(root=root, app_name=APPS[kind]["app_name"])
    harness.start()
    try:
        info = {"frontend": harness.frontend_url, "backend": get_config().api_url}
        print(READY_MARK + json.dumps(info), flush=True)
        sys.stdin.read()
    finally:
        harness.stop()
    return 0


# ---------------------------------------------------------------- measuring in Chromium


def _asset_bytes(browser, url: str) -> dict[str, Any]:
    """JS and CSS of the first page: gzip -9 of the decoded bodies, and bytes on the wire."""
    context = browser.new_context()
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        _load_until_reflected(page, url, APPS_BY_URL[url])
        page.wait_for_load_state("networkidle")
        assets = []
        for response in responses:
            path = response.url.split("?")[0]
            kind = response.headers.get("content-type", "")
            if path.endswith((".js", ".mjs")) or "javascript" in kind:
                asset_type = "js"
            elif path.endswith(".css") or "text/css" in kind:
                asset_type = "css"
            else:
                continue
            try:
                body = response.body()
            except Exception as exc:  # a body the browser did not keep (redirect, aborted)
                _log(f"no body for {response.url}: {type(exc).__name__}")
                continue
            sizes = response.request.sizes()
            assets.append(
                {
                    "path": path.split("/", 3)[-1],
                    "type": asset_type,
                    "raw": len(body),
                    "gzip": len(gzip.compress(body, compresslevel=9, mtime=0)),
                    "wire": sizes.get("responseBodySize", 0),
                }
            )
    finally:
        context.close()
    return {
        "gzip": sum(a["gzip"] for a in assets),
        "raw": sum(a["raw"] for a in assets),
        "wire": sum(a["wire"] for a in assets),
        "js_gzip": sum(a["gzip"] for a in assets if a["type"] == "js"),
        "css_gzip": sum(a["gzip"] for a in assets if a["type"] == "css"),
        "files": len(assets),
        "largest": sorted(assets, key=lambda a: a["gzip"], reverse=True)[:12],
    }


APPS_BY_URL: dict[str, str] = {}


def _load_until_reflected(page, url: str, kind: str) -> dict[str, Any]:
    """Navigate and wait for the injected script's click to be reflected; the milestones.

    Also Chromium's main-thread totals (script, layout, style, all tasks) up to that moment,
    and when the last JS/CSS file had arrived, to tell waiting from working.
    """
    app = APPS[kind]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.add_init_script(INIT_SCRIPT % {"button": json.dumps(app["button"]), "done": app["done"]})
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__bench && 'reflected' in window.__bench.marks")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    result = page.evaluate(
        r"""() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const assets = performance.getEntriesByType('resource')
            .filter((r) => /\.(m?js|css)(\?|$)/.test(r.name));
          return Object.assign({
            html: nav.responseEnd,
            dom_content_loaded: nav.domContentLoadedEventEnd,
            load: nav.loadEventEnd || null,
            assets_loaded: Math.max(0, ...assets.map((r) => r.responseEnd)),
            asset_requests: assets.length,
            clicks: window.__bench.clicks,
            frames: window.__bench.frames,
          }, window.__bench.marks);
        }"""
    )
    for name, key in (
        ("ScriptDuration", "cpu_script"),
        ("LayoutDuration", "cpu_layout"),
        ("RecalcStyleDuration", "cpu_style"),
        ("TaskDuration", "cpu_tasks"),
    ):
        if name in metrics:
            result[key] = metrics[name] * 1000
    cdp.detach()
    return result


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _measure(urls: dict[str, str], loads: int) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    from playwright.sync_api import sync_playwright

    for kind, url in urls.items():
        APPS_BY_URL[url] = kind
    timings: dict[str, list[dict]] = {kind: [] for kind in urls}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            sizes = {kind: _asset_bytes(browser, url) for kind, url in urls.items()}
            # Warm the servers (disk caches, Python imports of the first events) once each.
            for kind, url in urls.items():
                context = browser.new_context()
                _load_until_reflected(context.new_page(), url, kind)
                context.close()
            order = []
            while len(order) < 2 * loads:
                order += ["blank", "fintech", "fintech", "blank"]  # ABBA
            for kind in order[: 2 * loads]:
                context = browser.new_context()  # empty cache and cookies: a first visit
                context.set_default_timeout(60_000)
                try:
                    timings[kind].append(
                        _load_until_reflected(context.new_page(), urls[kind], kind)
                    )
                finally:
                    context.close()
        finally:
            browser.close()
    return sizes, timings


def _segments(run: dict) -> dict[str, float]:
    """The load cut into spans (ms), from the injected script's stamps and websocket frames."""
    frames = run.get("frames", [])
    opened = run.get("ws_open", run.get("ws_first_message"))
    hydrate_sent = next(
        (f["t"] for f in frames if f["dir"] == "out" and "hydrate" in f["what"]), None
    )
    deltas = [f["t"] for f in frames if f["dir"] == "in" and f["what"] == "delta"]
    spans: dict[str, float] = {"navigation → websocket open": opened}
    if hydrate_sent is not None:
        spans["websocket open → hydrate event sent"] = hydrate_sent - opened
        if run["button_present"] > hydrate_sent:  # the button came with a state update
            shown_by = [t for t in deltas if t <= run["button_present"]]
            if shown_by:
                spans["hydrate sent → delta with the button (server)"] = shown_by[-1] - hydrate_sent
                spans["that delta → button shown (render)"] = run["button_present"] - shown_by[-1]
        spans["hydrate event sent → button clicked"] = run["click"] - hydrate_sent
    sent = next((f["t"] for f in frames if f["dir"] == "out" and f["t"] >= run["click"]), None)
    updates = [t for t in deltas if sent is not None and sent <= t <= run["reflected"]]
    if sent is not None and updates:
        spans["click → event sent"] = sent - run["click"]
        spans["event sent → last delta (server)"] = updates[-1] - sent
        spans["last delta → page updated (render)"] = run["reflected"] - updates[-1]
    spans["click → page updated"] = run["reflected"] - run["click"]
    return spans


def _breakdown(runs: list[dict]) -> str:
    keys = (
        "html",
        "assets_loaded",
        "dom_content_loaded",
        "ws_created",
        "ws_open",
        "button_present",
        "button_hydrated",
        "click",
        "reflected",
    )
    cpu_keys = ("cpu_tasks", "cpu_script", "cpu_layout", "cpu_style")
    parts = []
    for key in keys:
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            parts.append(f"{key} {_median(values):.0f}")
    spans: dict[str, list[float]] = {}
    for run in runs:
        for name, value in _segments(run).items():
            spans.setdefault(name, []).append(value)
    clicks = _median([run.get("clicks", 0) for run in runs])
    cpu = ", ".join(
        f"{key.removeprefix('cpu_')} {_median([run[key] for run in runs if key in run]):.0f}"
        for key in cpu_keys
        if any(key in run for run in runs)
    )
    requests = _median([run.get("asset_requests", 0) for run in runs])
    return (
        "median ms from navigation start: "
        + ", ".join(parts)
        + f"; main-thread ms until then: {cpu}; JS/CSS requests {requests:g}"
        + f"; clicks {clicks:g}; spans (median ms): "
        + ", ".join(f"{name} {_median(values):.0f}" for name, values in spans.items())
    )


def main(quick: bool = False) -> None:
    """Build both apps, measure bytes and first click in Chromium, write the results."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is not installed (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="fintech-bench-first-load-"))
    loads = 3 if quick else 11
    served = {kind: _Served(kind, workdir) for kind in ("fintech", "blank")}
    meta: dict[str, Any] = {"quick": quick, "loads_per_app": loads}
    try:
        _log("building both production apps (AppHarnessProd, npm)")
        for app in served.values():
            app.start()
        for app in served.values():
            app.wait_ready()
            _log(f"{app.kind} served at {app.frontend_url} after {app.build_seconds:.0f} s")
        meta["build_seconds"] = {k: round(a.build_seconds) for k, a in served.items()}
        sizes, timings = _measure({k: a.frontend_url for k, a in served.items()}, loads)
    finally:
        for app in served.values():
            app.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    fin, blank = sizes["fintech"], sizes["blank"]
    meta["assets"] = sizes
    meta["loads"] = timings
    figures = [
        _figure(
            "first page JS + CSS, gzip",
            fin["gzip"] / 1024,
            "KiB",
            reference_label="blank Reflex app, same version and config",
            reference_value=blank["gzip"] / 1024,
            target=f"<= {BYTES_TARGET}x blank",
            met=fin["gzip"] <= BYTES_TARGET * blank["gzip"],
            notes=(
                f"Fintech UI: {fin['files']} files, JS {fin['js_gzip'] / 1024:.1f} KiB + CSS "
                f"{fin['css_gzip'] / 1024:.1f} KiB gzip ({fin['raw'] / 1024:.0f} KiB raw, "
                f"{fin['wire'] / 1024:.1f} KiB on the wire); blank: {blank['files']} files, JS "
                f"{blank['js_gzip'] / 1024:.1f} KiB + CSS {blank['css_gzip'] / 1024:.1f} KiB gzip "
                f"({blank['raw'] / 1024:.0f} KiB raw, {blank['wire'] / 1024:.1f} KiB on the wire)"
            ),
        )
    ]
    fin_click = _median([run["reflected"] for run in timings["fintech"]])
    blank_click = _median([run["reflected"] for run in timings["blank"]])
    figures.append(
        _figure(
            "first click reflected (navigation start → page updated), median",
            fin_click,
            "ms",
            reference_label="blank Reflex app: counter button",
            reference_value=blank_click,
            target=f"<= {CLICK_TARGET}x blank",
            met=fin_click <= CLICK_TARGET * blank_click,
            notes=(
                f"{loads} cold loads each, alternating. Fintech UI ('Add … to cart' on /, cart "
                f"badge): {_breakdown(timings['fintech'])}. Blank (counter): "
                f"{_breakdown(timings['blank'])}."
            ),
        )
    )
    path = write_results(NAME, figures, meta)
    for fig in figures:
        print(
            f"{fig['figure']}: {fig['value']} {fig['unit']} (blank {fig['reference_value']}, "
            f"x{fig['ratio']}) target {fig['target']} met={fig['met']}"
        )
        print(f"    {fig['notes']}")
    print(f"written: {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(_serve(sys.argv[2], Path(sys.argv[3])))
    main(quick="--quick" in sys.argv[1:])
