"""First load of what `make run` serves, against a blank Reflex app served the same way.

`python -m bench.bench_first_load [--quick]`. Two servers are started in the same run, each in
a process group of its own:

* the Fintech UI: `make run PORT=<free port>` in a copy of the project (Makefile,
  requirements.txt, rxconfig.py, fintech_ui/, assets/, reflex.lock/; `.venv` a link to this
  one, so make finds it installed) with a data directory of its own: the migrations, the demo
  seed and whatever server `make run` starts, exactly as on a fresh clone. The page's address
  is read from what the server prints ("App running at: …"), so the figure follows the
  Makefile: a production build on one port, or a dev server with the backend elsewhere.
* the reference: bench/blank_app (one page, one text and a counter button, the same Reflex
  version, configuration and reflex.lock/) served by the command `make run` uses
  (`reflex run --env prod --single-port`, one worker).

Then Chromium (Debian's, under Playwright) loads `/` of each, every time in a new browser
context (empty cache and cookies: a first visit). A script injected before the page's own
stamps the milestones with `performance.now()`, whose origin is the navigation start:

(a) "product grid visible after `make run`, first load, fresh browser": the first load of the
    Fintech UI after the server is up (cold server, cold browser) until the first product
    card's name is on screen: laid out with its styles (checked in each animation frame, which
    runs only once the page can render) and painted (not before the first contentful paint).
    Reference: the blank app's counter button on its first load. Target: <= 1.5 s. The median
    of the later loads is in the notes.
(b) bytes: every JavaScript and CSS response of the first page, until the page is live and the
    network is idle, gzip-compressed here (level 9) from the decoded bodies, so the figure does
    not depend on how the server compresses. Target: <= 1.1 x blank.
(c) "first click reflected (navigation start → page updated)": until a click on a button has
    changed the page: on the Fintech UI the first enabled "Add … to cart" button of the
    catalogue, reflected by the cart link's name in the navigation bar ("Cart, 1 item"); on the
    blank app the counter. The script clicks the button as soon as React has hydrated it (and
    again every 500 ms if nothing changed) and a MutationObserver stamps the moment the change
    lands. Loads alternate between the apps (ABBA); medians. Target: <= 1.15 x blank.

The breakdown of each load (HTML, first contentful paint, DOMContentLoaded, content visible,
websocket open, button shown and hydrated, click, change) goes into the notes, and the largest
assets of each app and the time each server took to come up into the metadata.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import base_environment, free_port, write_results
from bench.common import figure as _figure
from testsupport.app import CHROMIUM, CHROMIUM_ARGS, production_command
from testsupport.processes import log_tail, spawn, stop_process

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
NAME = "first_load"
BYTES_TARGET = 1.1
CLICK_TARGET = 1.15
GRID_TARGET_MS = 1500
START_TIMEOUT_S = 600
LOAD_TIMEOUT_MS = 60_000
# What a fresh clone holds that `make run` reads (the venv is linked, not rebuilt).
PROJECT_FILES = ("Makefile", "requirements.txt", "rxconfig.py")
PROJECT_DIRS = ("fintech_ui", "assets", "reflex.lock")
APPS = {
    "fintech": {
        "label": "Fintech UI (`make run`)",
        "visible": 'main h2 a[href^="/products/"]',
        "button": 'button[aria-label^="Add "][aria-label$=" to cart"]:not([disabled])',
        "done": "/^Cart, [1-9]/.test(document.querySelector('a[href=\"/cart\"]')"
        ".getAttribute('aria-label'))",
    },
    "blank": {
        "label": "blank Reflex app",
        "visible": 'button[aria-label="Count"]',
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
  const VISIBLE = %(visible)s;
  const SELECTOR = %(button)s;
  const done = () => { try { return %(done)s; } catch (e) { return false; } };
  const hydrated = (el) => Object.keys(el).some((k) => k.startsWith("__reactProps$"));
  // Animation frames run only when the page can render (no stylesheet still blocking it),
  // so the frame in which the element is laid out is the one that paints it.
  const shown = (el) => {
    if (!el || !(el.textContent || "").trim() || !el.checkVisibility()) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.top < window.innerHeight;
  };
  const watch = () => {
    if (shown(document.querySelector(VISIBLE))) { mark("content_visible"); return; }
    requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
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


def _log(message: str) -> None:
    print(f"[first_load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- the two servers


def _project_copy(workdir: Path) -> Path:
    """What `make run` sees on a fresh clone, with this checkout's venv linked in."""
    root = workdir / "fintech"
    root.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, root / name)  # copy2: the venv's install stamp stays newer
    for name in PROJECT_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name, symlinks=True, ignore=ignore)
    (root / ".venv").symlink_to((REPO / ".venv").resolve(), target_is_directory=True)
    return root


def _blank_copy(workdir: Path) -> Path:
    root = workdir / "blank"
    root.mkdir(parents=True)
    shutil.copy2(BENCH / "blank_app" / "rxconfig.py", root / "rxconfig.py")
    shutil.copytree(
        BENCH / "blank_app" / "blank_app",
        root / "blank_app",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    if (REPO / "reflex.lock").is_dir():  # the same pinned frontend packages for both
        shutil.copytree(REPO / "reflex.lock", root / "reflex.lock")
    return root


_APP_RUNNING = re.compile(r"App running at:\s*(http://\S+?)/?(?:\s|$)")
_BACKEND_RUNNING = re.compile(r"Backend running at:\s*(http://\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _local(url: str) -> str:
    """The address a browser on this machine uses (the server may print its bind address)."""
    return url.replace("://0.0.0.0:", "://localhost:").rstrip("/")


class _Server:
    """One app started by its command in a copy directory; `.url` once it answers."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self.port = free_port()
        self.log_path = workdir / f"{kind}.log"
        self.process = None
        self.command = ""
        self.url = ""
        self.backend = ""
        self.started = 0.0
        self.seconds_to_ready = 0.0

    def start(self) -> _Server:
        # Nothing of the caller's app configuration (FINTECH_*), no PYTHONPATH to this
        # checkout: the copy is the project, as on a fresh clone.
        env = base_environment()
        env.pop("PYTHONPATH", None)
        if self.kind == "fintech":
            root = _project_copy(self.workdir)
            env["FINTECH_DATA_DIR"] = str(self.workdir / "fintech-data")
            command = ["make", "run", f"PORT={self.port}"]
        else:
            root = _blank_copy(self.workdir)
            env["GRANIAN_WORKERS"] = "1"
            command = production_command(str(REPO / ".venv" / "bin" / "reflex"), self.port)
        self.command = " ".join(command)
        self.started = time.monotonic()
        self.process = spawn(command, log=self.log_path, cwd=root, env=env)
        return self

    def wait_ready(self) -> _Server:
        import httpx

        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{log_tail(self.log_path, 60)}")
            text = _ANSI.sub("", self.log_path.read_text(errors="replace"))
            found = _APP_RUNNING.search(text)
            if found:
                self.url = _local(found.group(1)) + "/"
                backend = _BACKEND_RUNNING.search(text)
                self.backend = _local(backend.group(1)) if backend else self.url.rstrip("/")
                try:
                    page = httpx.get(self.url, timeout=5)
                    ping = httpx.get(self.backend + "/ping", timeout=5)
                    if page.status_code == 200 and ping.status_code == 200:
                        self.seconds_to_ready = time.monotonic() - self.started
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.kind}: not ready after {START_TIMEOUT_S} s")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


# ---------------------------------------------------------------- measuring in Chromium


def _load(page, url: str, kind: str) -> dict[str, Any]:
    """Navigate and wait for the injected script's click to be reflected; the milestones.

    Also Chromium's main-thread totals (script, layout, style, all tasks) up to that moment,
    and when the last JS/CSS file had arrived, to tell waiting from working.
    """
    app = APPS[kind]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.add_init_script(
        INIT_SCRIPT
        % {
            "visible": json.dumps(app["visible"]),
            "button": json.dumps(app["button"]),
            "done": app["done"],
        }
    )
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "() => window.__bench && 'reflected' in window.__bench.marks"
        " && 'content_visible' in window.__bench.marks"
    )
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    result = page.evaluate(
        r"""() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const paint = performance.getEntriesByName('first-contentful-paint')[0];
          const assets = performance.getEntriesByType('resource')
            .filter((r) => /\.(m?js|css)(\?|$)/.test(r.name));
          return Object.assign({
            html: nav.responseEnd,
            first_contentful_paint: paint ? paint.startTime : null,
            dom_content_loaded: nav.domContentLoadedEventEnd,
            load: nav.loadEventEnd || null,
            assets_loaded: Math.max(0, ...assets.map((r) => r.responseEnd)),
            asset_requests: assets.length,
            clicks: window.__bench.clicks,
            frames: window.__bench.frames,
          }, window.__bench.marks);
        }"""
    )
    # The frame that lays the element out paints it: on screen when that frame is presented,
    # which for the page's first content is the first contentful paint.
    result["on_screen"] = max(result["content_visible"], result["first_contentful_paint"] or 0)
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


def _fresh_load(browser, url: str, kind: str) -> dict[str, Any]:
    """One load in a new browser context: empty cache and cookies, a first visit."""
    context = browser.new_context()
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    try:
        return _load(context.new_page(), url, kind)
    finally:
        context.close()


def _asset_bytes(browser, url: str, kind: str) -> dict[str, Any]:
    """JS and CSS of the first page: gzip -9 of the decoded bodies, and bytes on the wire."""
    context = browser.new_context()
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        _load(page, url, kind)
        page.wait_for_load_state("networkidle")
        assets = []
        for response in responses:
            path = response.url.split("?")[0]
            content_type = response.headers.get("content-type", "")
            if path.endswith((".js", ".mjs")) or "javascript" in content_type:
                asset_type = "js"
            elif path.endswith(".css") or "text/css" in content_type:
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


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _measure(urls: dict[str, str], loads: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[dict]] = {kind: [] for kind in urls}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # The very first page anyone opens after the server came up: nothing warmed.
            first = {kind: _fresh_load(browser, url, kind) for kind, url in urls.items()}
            sizes = {kind: _asset_bytes(browser, url, kind) for kind, url in urls.items()}
            order: list[str] = []
            while len(order) < 2 * loads:
                order += ["blank", "fintech", "fintech", "blank"]  # ABBA
            for kind in order[: 2 * loads]:
                timings[kind].append(_fresh_load(browser, urls[kind], kind))
        finally:
            browser.close()
    return {"first": first, "sizes": sizes, "timings": timings}


# ---------------------------------------------------------------- reporting


def _segments(run: dict) -> dict[str, float]:
    """The load cut into spans (ms), from the injected script's stamps and websocket frames."""
    frames = run.get("frames", [])
    opened = run.get("ws_open", run.get("ws_first_message"))
    hydrate_sent = next(
        (f["t"] for f in frames if f["dir"] == "out" and "hydrate" in f["what"]), None
    )
    deltas = [f["t"] for f in frames if f["dir"] == "in" and f["what"] == "delta"]
    spans: dict[str, float] = {}
    if opened is not None:
        spans["navigation → websocket open"] = opened
    if hydrate_sent is not None and opened is not None:
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
        "first_contentful_paint",
        "content_visible",
        "on_screen",
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


def _first_line(run: dict) -> str:
    keys = (
        "html",
        "first_contentful_paint",
        "content_visible",
        "on_screen",
        "ws_open",
        "reflected",
    )
    return ", ".join(f"{key} {run[key]:.0f}" for key in keys if run.get(key) is not None)


def main(quick: bool = False) -> None:
    """Start both servers, measure first paint, bytes and first click, write the results."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is not installed (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="fintech-bench-first-load-"))
    loads = 3 if quick else 11
    servers = {kind: _Server(kind, workdir) for kind in ("fintech", "blank")}
    try:
        _log("starting `make run` and the blank app (production build, one port each)")
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
            _log(f"{server.kind} answers at {server.url} after {server.seconds_to_ready:.0f} s")
        measured = _measure({k: s.url for k, s in servers.items()}, loads)
    except BaseException:
        for server in servers.values():
            _log(f"{server.kind} log:\n{log_tail(server.log_path, 30)}")
        raise
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    first, sizes, timings = measured["first"], measured["sizes"], measured["timings"]
    fin, blank = sizes["fintech"], sizes["blank"]
    meta: dict[str, Any] = {
        "title": "First load (what `make run` serves, against a blank Reflex app)",
        "app_command": servers["fintech"].command,
        "configuration": (
            f"Fintech UI: `{servers['fintech'].command}` in a copy of the project with a data "
            f"directory of its own (demo catalogue); blank app: "
            f"`GRANIAN_WORKERS=1 {servers['blank'].command}`; Chromium, a new context per load"
        ),
        "quick": quick,
        "loads_per_app": loads,
        "seconds_to_ready": {k: round(s.seconds_to_ready) for k, s in servers.items()},
        "assets": sizes,
        "first_loads": first,
        "loads": timings,
    }
    grid_first = first["fintech"]["on_screen"]
    blank_first = first["blank"]["on_screen"]
    grid_later = _median([run["on_screen"] for run in timings["fintech"]])
    blank_later = _median([run["on_screen"] for run in timings["blank"]])
    figures = [
        _figure(
            "product grid visible after `make run`, first load, fresh browser",
            grid_first,
            "ms",
            reference_label="blank Reflex app, served the same way: its button on screen",
            reference_value=blank_first,
            target=f"<= {GRID_TARGET_MS / 1000:g} s",
            met=grid_first <= GRID_TARGET_MS,
            notes=(
                f"The first load after `make run` answered "
                f"({servers['fintech'].seconds_to_ready:.0f} s after it started; the blank app "
                f"{servers['blank'].seconds_to_ready:.0f} s), "
                f"navigation start to the first product card's name on screen: "
                f"{_first_line(first['fintech'])}; blank: {_first_line(first['blank'])}. "
                f"Median of the {loads} fresh-browser loads that followed: {grid_later:.0f} ms "
                f"(blank {blank_later:.0f} ms)."
            ),
        ),
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
        ),
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
            target=f"<= {CLICK_TARGET}x blank app",
            met=fin_click <= CLICK_TARGET * blank_click,
            notes=(
                f"{loads} fresh-browser loads each, alternating. Fintech UI ('Add … to cart' on "
                f"/, the cart link's name): {_breakdown(timings['fintech'])}. Blank (counter): "
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
    main(quick="--quick" in sys.argv[1:])
