"""`routes.served_together`: when the app's own trips between pages and backend go by path."""

from __future__ import annotations

import pytest

from fintech_ui import routes


@pytest.mark.parametrize(
    ("pages", "backend"),
    [
        ("http://localhost:8000", "http://localhost:8000"),  # make run: one port
        ("http://localhost:8000/", "http://LOCALHOST:8000"),
        ("https://invest.example.com", "https://invest.example.com"),  # run-prod behind TLS
    ],
)
def test_one_origin_is_served_together(pages, backend):
    assert routes.served_together(pages, backend)


@pytest.mark.parametrize(
    ("pages", "backend"),
    [
        ("http://localhost:3000", "http://localhost:8000"),  # make dev: two ports
        ("http://127.0.0.1:8000", "http://localhost:8000"),  # two host names, two cookie jars
        ("http://invest.example.com", "https://invest.example.com"),
        ("https://invest.example.com", "https://api.invest.example.com"),
        ("", ""),
        (None, "http://localhost:8000"),
    ],
)
def test_other_origins_are_not(pages, backend):
    assert not routes.served_together(pages, backend)
