"""`python -m fintech_ui.cli make-admin|revoke-admin NAME` on the app's database."""

from __future__ import annotations

import time
import uuid

import factories

from fintech_ui import cli
from fintech_ui.db import session_scope
from fintech_ui.models import User


def _user() -> tuple[int, str]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    with session_scope() as db:
        return factories.user(db, name, now=int(time.time())), name


def _role(user_id: int) -> str:
    with session_scope(read_only=True) as db:
        return db.get(User, user_id).role


def test_make_admin_then_revoke_admin(capsys):
    user_id, name = _user()
    assert cli.main(["cli", "make-admin", name.upper()]) == 0
    assert _role(user_id) == "admin"
    assert cli.main(["cli", "revoke-admin", name]) == 0
    assert _role(user_id) == "customer"
    assert capsys.readouterr().out.splitlines() == [f"made admin: {name}", f"revoked admin: {name}"]


def test_make_admin_of_nobody_fails(capsys):
    assert cli.main(["cli", "make-admin", "nobody_here_123"]) == 1
    assert "no such user" in capsys.readouterr().err


def test_unknown_command_prints_usage(capsys):
    assert cli.main(["cli", "make-god", "x"]) == 2
    assert "make-admin" in capsys.readouterr().err
