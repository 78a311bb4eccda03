"""Admin handlers called over a raw websocket by a logged-in customer, the way a script (not
the page) would: each call is refused, changes nothing, and lands in the audit log.

Uses bench/ws_client.py (Reflex 0.10's event protocol over wsproto) against the production
build the other browser tests start. Each call gets a tab of its own, so its refusal is a
fresh state change (the section's error message) that the server must send back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
import time

import factories
import pytest
from sqlmodel import col, func, select

from fintech_ui.db import session_scope
from fintech_ui.models import AuditEntry, AuthSession, Item, User
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.sessions import create_session
from fintech_ui.settings import get_settings
from fintech_ui.state.admin_products import AdminProductsState
from fintech_ui.state.admin_users import AdminUsersState

pytestmark = pytest.mark.browser
PASSWORD = "Velvet-Harbour-Lantern-73"


def _session_cookie(user_id: int) -> str:
    with session_scope() as db:
        user = db.get(User, user_id)
        token = create_session(db, user=user, settings=get_settings(), now=int(time.time()))
    return f"{SESSION_COOKIE}={token}"


async def _call(backend_url: str, origin: str, cookie: str, name: str, payload: dict) -> dict:
    from bench.ws_client import ReflexSession, has_delta_for

    state = name.rsplit(".", 1)[0]
    tab = await ReflexSession.connect(backend_url, cookie=cookie, origin=origin)
    try:
        await tab.hydrate("/admin")
        result = await tab.call(name, payload, path="/admin", done=has_delta_for(state))
        return result.updates[-1]["delta"][state]
    finally:
        await tab.close()


def call(backend_url: str, frontend_url: str, cookie: str, name: str, payload: dict) -> dict:
    """The handler's state delta, from a loop of its own thread (away from Playwright's)."""
    origin = frontend_url.rstrip("/")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(asyncio.run, _call(backend_url, origin, cookie, name, payload))
        return job.result(timeout=60)


def _snapshot(item_id: int, victim_id: int) -> tuple:
    with session_scope(read_only=True) as db:
        item = db.get(Item, item_id)
        victim = db.get(User, victim_id)
        live = db.exec(
            select(func.count()).where(
                col(AuthSession.user_id) == victim_id, col(AuthSession.revoked_at).is_(None)
            )
        ).one()
        return (item.price_cents, item.is_active, victim.is_active, live)


def _denied(user_id: int) -> int:
    with session_scope(read_only=True) as db:
        return db.exec(
            select(func.count()).where(
                col(AuditEntry.actor_id) == user_id, col(AuditEntry.outcome) == "denied"
            )
        ).one()


def test_customer_calling_admin_handlers_by_name_changes_nothing(
    backend_url, frontend_url, create_user
) -> None:
    customer = create_user(f"sneak_{secrets.token_hex(3)}", PASSWORD)
    victim = create_user(f"victim_{secrets.token_hex(3)}", PASSWORD)
    victim_cookie = _session_cookie(victim)  # a live session the attacker would like ended
    assert victim_cookie
    with session_scope() as db:
        item = factories.item(db, f"Guarded Fund {secrets.token_hex(3)}", price_cents=1_000)
        item_id, sku, name = item.id, item.sku, item.name
    cookie = _session_cookie(customer)
    before = _snapshot(item_id, victim)
    products, users = AdminProductsState.get_full_name(), AdminUsersState.get_full_name()
    form = {
        "sku": sku,
        "name": name,
        "category": "fund",
        "price": "0.01",
        "stock": "0",
        "description": "",
        "risk": "1",
        "reason": "mine now",
    }
    attacks = [
        (f"{products}.load", {}),
        (f"{products}.save", {"form_data": form}),
        (f"{products}.remove", {"item_id": item_id}),
        (f"{products}.edit", {"item_id": item_id}),
        (f"{users}.set_active", {"user_id": victim, "active": False}),
        (f"{users}.load", {}),
    ]
    for handler, payload in attacks:
        delta = call(backend_url, frontend_url, cookie, handler, payload)
        assert delta.get("error_rx_state_") == "Only an administrator can do that.", handler
        assert not delta.get("rows_rx_state_"), handler
    assert _snapshot(item_id, victim) == before
    assert _denied(customer) == len(attacks)
