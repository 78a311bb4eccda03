"""Logs never hold credentials, nor much of what hostile clients send (issue 10, defect 15)."""

from __future__ import annotations

import io
import logging

import pytest

from fintech_ui import log_hygiene
from fintech_ui.log_hygiene import (
    MAX_CHARS,
    MAX_TRACEBACK_CHARS,
    HygieneFilter,
    install,
    redact,
)

SECRET = "Velvet-Harbour-Lantern-73"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def logged(clock):
    """(logger with the filter, function returning everything written so far)."""
    logger = logging.getLogger(f"test.hygiene.{id(clock)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.addFilter(HygieneFilter(burst=5, window=60, clock=clock))
    yield logger, stream.getvalue
    logger.removeHandler(handler)


TOKENLESS_EVENT = {
    "name": "reflex___state____state.fintech_ui___state___auth____auth_state.log_in",
    "payload": {"form_data": {"username": "alice", "password": SECRET}},
}


@pytest.mark.parametrize(
    "text",
    [
        f"Received event from session abc with no associated token. Event data: {TOKENLESS_EVENT}",
        '{"payload":{"form_data":{"username":"alice","password":"' + SECRET + '"}}}',
        f"new_password={SECRET} confirm_password='{SECRET}'",
        f'{{\\"current_password\\": \\"{SECRET}\\"}}',
        f"Authorization: Bearer {SECRET}",
    ],
    ids=["reflex-tokenless-repr", "json", "bare-and-quoted", "escaped-json", "bearer"],
)
def test_credentials_are_redacted(text):
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "***" in cleaned


def test_ordinary_text_is_left_alone():
    text = "No token provided in connection for session 1234; user alice bought 3 units"
    assert redact(text) == text


def test_logged_record_with_a_password_is_redacted(logged):
    logger, output = logged
    logger.warning("Received event from session %s. Event data: %s", "sid1", TOKENLESS_EVENT)
    assert SECRET not in output()
    assert "'username': 'alice'" in output()


def test_500_kb_payload_is_truncated(logged):
    logger, output = logged
    logger.warning(
        "Error processing event queue entry for %s", {"name": "x", "junk": "A" * 500_000}
    )
    written = output()
    assert len(written) < MAX_CHARS + 200
    assert "characters truncated" in written


def test_traceback_is_redacted_and_truncated(logged):
    logger, output = logged
    try:
        raise ValueError(f"bad payload {{'password': '{SECRET}', 'junk': '{'B' * 100_000}'}}")
    except ValueError:
        logger.exception("event handler failed")
    assert SECRET not in output()
    assert len(output()) < MAX_CHARS + MAX_TRACEBACK_CHARS + 400


def test_repeated_messages_are_rate_limited_and_counted(logged, clock):
    logger, output = logged

    def unknown_handler(i):  # one call site, as for Reflex's "Error processing event …"
        logger.warning("unknown handler %d", i)

    for i in range(50):
        unknown_handler(i)
    assert output().count("unknown handler") == 5
    clock.now += 61
    unknown_handler(50)
    assert "unknown handler 50 [45 similar messages suppressed]" in output()


def test_rate_limit_is_per_call_site(logged):
    logger, output = logged
    for _ in range(10):
        logger.warning("first site")
    logger.warning("second site")
    assert output().count("second site") == 1


def test_install_puts_one_filter_on_reflex_loggers(monkeypatch):
    monkeypatch.setattr(log_hygiene, "_INSTALLED", {})
    names = ["test.install.a", "test.install.b"]
    install(names)
    install(names)
    for name in names:
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, HygieneFilter) for f in filters) == 1
        logging.getLogger(name).filters.clear()


def test_reflex_loggers_are_covered():
    assert {"reflex.app", "reflex_base.event.processor.event_processor"} <= set(log_hygiene.LOGGERS)


def test_reflex_tokenless_socket_warning_reaches_the_log_without_the_password(caplog):
    install()
    with caplog.at_level(logging.WARNING, logger="reflex.app"):
        logging.getLogger("reflex.app").warning(
            f"Received event from session s1 with no associated token. This may indicate a "
            f"bug. Event data: {TOKENLESS_EVENT}"
        )
    [record] = [r for r in caplog.records if r.name == "reflex.app"]
    assert SECRET not in record.getMessage()
    assert "log_in" in record.getMessage()
