"""Helpers shared by the browser journeys (tests/e2e/test_*.py)."""

from __future__ import annotations

import time

from playwright.sync_api import Page

LIVE_TIMEOUT_S = 20  # seconds for the first state update over the websocket


def goto_live(page: Page, url: str) -> None:
    """Open `url` and wait until the websocket delivered the page's first state update.

    Submitting a form before React has hydrated would post it natively, as a GET with the
    password in the query string; after the first update the app's handlers are attached.
    """
    frames: list[str] = []

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_websocket)
    try:
        page.goto(url)
        deadline = time.monotonic() + LIVE_TIMEOUT_S
        while not any('"delta"' in frame for frame in frames):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url}: no state update over the websocket")
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("websocket", on_websocket)
