"""Operator commands: reset-password prints a single-use link (issue 10, features)."""

from __future__ import annotations

import re
import time
import uuid

from fintech_ui.cli import main
from fintech_ui.db import session_scope
from fintech_ui.services.accounts import register, reset_password
from fintech_ui.settings import get_settings

PASSWORD = "Tr0ub4dor&3-staple"


def _user() -> str:
    name = "cli" + uuid.uuid4().hex[:8]
    with session_scope() as db:
        register(
            db, username=name, password=PASSWORD, settings=get_settings(), now=int(time.time())
        )
    return name


def test_reset_password_prints_a_link_that_sets_a_new_password(capsys, monkeypatch):
    monkeypatch.setenv("REFLEX_DEPLOY_URL", "https://invest.example.com")
    name = _user()
    assert main(["cli", "reset-password", name]) == 0
    out, err = capsys.readouterr()
    match = re.fullmatch(r"https://invest\.example\.com/reset-password\?token=([\w-]+)\n", out)
    assert match, out
    assert "30 minutes" in err
    with session_scope() as db:
        changed = reset_password(
            db,
            token=match[1],
            new_password="Correct-Horse-Battery-42",
            settings=get_settings(),
            now=int(time.time()),
        )
    assert changed.username == name


def test_reset_password_for_unknown_user_fails(capsys):
    assert main(["cli", "reset-password", "nobody" + uuid.uuid4().hex[:8]]) == 1
    assert "no such user" in capsys.readouterr().err


def test_unknown_command_prints_usage(capsys):
    assert main(["cli", "reset-everything", "alice"]) == 2
    assert "reset-password" in capsys.readouterr().err
