"""What hostile clients can make the server log: never a credential, never much, never often.

Reflex logs the raw event of a socket that connected without a client token (a login form's
event carries the password) from `reflex.app`, and every event it cannot route, payload and
all, from its event processor. Anyone may send those events, unauthenticated, as large and as
often as they like. `install()` puts a filter on those loggers (and the app's own) that

* redacts the value of every password-, secret- or token-like field in the message and in
  the exception text;
* truncates each message to MAX_CHARS and each traceback to MAX_TRACEBACK_CHARS;
* lets at most BURST records through per call site in each WINDOW_SECONDS and then reports,
  once the window ends, how many it dropped.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable

MAX_CHARS = 2048
MAX_TRACEBACK_CHARS = 8192  # frames are our code, bounded; the exception text may be hostile
BURST = 20
WINDOW_SECONDS = 60.0
REDACTED = "***"

# Loggers that write what websocket clients send (found in Reflex 0.10.1's source), and ours.
LOGGERS = (
    "reflex.app",  # "Received event from session … with no associated token … Event data: …"
    "reflex.state",
    "reflex_base.event.processor.event_processor",  # "Error processing event queue entry for …"
    "reflex_base.event.processor.base_state_processor",  # "Error transforming event payload …"
    "fintech_ui",
)

# Starting only at a word's first character, with bounded repeats, keeps every pattern fast.
_SENSITIVE = (
    r"(?<![\w-])[\w-]{0,40}?"
    r"(?:passw(?:or)?d|passwd|pwd|secret|token|pepper|authorization|cookie)[\w-]{0,40}"
)
# 'password': 'x' / "new_password": "x" / password='x' (Python reprs and JSON)
_QUOTED = re.compile(
    rf"""(?P<key>(?P<kq>['"]?){_SENSITIVE}(?P=kq)\s*[:=]\s*)"""
    rf"""(?P<q>['"])(?P<value>(?:\\.|(?!(?P=q)).)*)(?:(?P=q)|$)""",
    re.IGNORECASE | re.DOTALL,
)
# \"password\": \"x\" (JSON inside a quoted string)
_ESCAPED = re.compile(
    rf"""(?P<key>(?P<q>\\+['"]){_SENSITIVE}(?P=q)\s*:\s*)(?P=q)(?P<value>(?:(?!(?P=q)).)*)(?:(?P=q)|$)""",
    re.IGNORECASE | re.DOTALL,
)
# password=x / Authorization: Bearer x (unquoted values)
_BARE = re.compile(
    rf"""(?P<key>\b{_SENSITIVE}\s*[:=]\s*(?:bearer\s+|basic\s+)?)(?P<value>[^\s,;}}\]'"\\]+)""",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with the value of every credential-like field replaced by ***."""
    text = _ESCAPED.sub(lambda m: f"{m['key']}{m['q']}{REDACTED}{m['q']}", text)
    text = _QUOTED.sub(lambda m: f"{m['key']}{m['q']}{REDACTED}{m['q']}", text)
    return _BARE.sub(lambda m: f"{m['key']}{REDACTED}", text)


def truncate(text: str, limit: int = MAX_CHARS) -> str:
    """At most `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} characters truncated]"


def _clean(text: str, limit: int = MAX_CHARS) -> str:
    """Redacted and at most about `limit` long, whatever the size of `text`.

    Cut before redacting (the patterns cost time per character); a value cut in half is
    still redacted, its closing quote being optional.
    """
    cleaned = redact(text[: 2 * limit])
    if len(text) <= limit and len(cleaned) <= limit:
        return cleaned
    return f"{cleaned[:limit]}… [{max(0, len(text) - limit)} characters truncated]"


class HygieneFilter(logging.Filter):
    """Redacts, truncates and rate-limits records; see the module docstring."""

    def __init__(
        self,
        *,
        burst: int = BURST,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst, self.window, self.clock = burst, window, clock
        self._lock = threading.Lock()
        # call site → (window start, records seen in the window)
        self._seen: dict[tuple[str, str, int], tuple[float, int]] = {}

    def _admit(self, record: logging.LogRecord) -> tuple[bool, int]:
        """Whether the record may pass, and how many of its kind were dropped before it."""
        site = (record.name, record.pathname, record.lineno)
        now = self.clock()
        with self._lock:
            start, count = self._seen.get(site, (now, 0))
            dropped = 0
            if now - start >= self.window:
                dropped, start, count = max(0, count - self.burst), now, 0
            count += 1
            self._seen[site] = (start, count)
            if len(self._seen) > 10_000:  # call sites are few; never let the table grow
                self._seen.clear()
        return count <= self.burst, dropped

    def filter(self, record: logging.LogRecord) -> bool:
        """False to drop the record; otherwise clean it in place and let it pass."""
        admitted, dropped = self._admit(record)
        if not admitted:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        message = _clean(message)
        if dropped:
            message += f" [{dropped} similar messages suppressed]"
        record.msg, record.args = message, ()
        if record.exc_info and not record.exc_text:
            traceback = logging.Formatter().formatException(record.exc_info)
            record.exc_text = _clean(traceback, MAX_TRACEBACK_CHARS)
        elif record.exc_text:
            record.exc_text = _clean(record.exc_text, MAX_TRACEBACK_CHARS)
        return True


_INSTALLED: dict[str, HygieneFilter] = {}


def install(names: Iterable[str] = LOGGERS) -> None:
    """Put one HygieneFilter on each named logger (idempotent): call once at app start."""
    for name in names:
        if name not in _INSTALLED:
            _INSTALLED[name] = HygieneFilter()
            logging.getLogger(name).addFilter(_INSTALLED[name])
