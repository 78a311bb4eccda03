"""Live updates with two granian workers on Redis and PostgreSQL (the production start).

Each worker polls the shared database and pushes to the tabs connected to it, so a customer's
tabs see an operator's price change and each other's cart count without a reload, whichever
worker holds their websocket. Four tabs make it very likely that both workers hold some.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from scale_support import (
    AppServer,
    SocketWatch,
    add_button,
    cart_badge,
    goto_live,
    production_app,
    register_in_browser,
    require_postgres,
    unique_username,
)

pytestmark = pytest.mark.scale
PRODUCT = "Agriculture Basket"  # first of the demo catalogue, A–Z
LIVE_MS = 3_500


@pytest.fixture(scope="module")
def app(app_root, redis_factory, tmp_path_factory) -> Iterator[AppServer]:
    require_postgres()
    redis = redis_factory()
    log_dir = tmp_path_factory.mktemp("live-two-workers")
    with production_app(app_root, log_dir, redis, respawn=False) as app:
        yield app


def _raise_price(app: AppServer, cents: int) -> str:
    """An operator's price change through the back office's use case; the new price shown."""
    from sqlmodel import select

    from fintech_ui.db import make_engine, session_scope
    from fintech_ui.models import Item, User
    from fintech_ui.money import decimal_string, format_cents
    from fintech_ui.services import admin_products

    engine = make_engine(app.database_url)
    try:
        name = unique_username("ops")[:30]
        with session_scope(engine) as db:
            admin = User(
                username=name,
                username_key=name.lower(),
                password_hash="x",
                created_at=0,
                role="admin",
            )
            db.add(admin)
            db.flush()
            item = db.exec(select(Item).where(Item.name == PRODUCT)).one()
            fields = {
                "sku": item.sku,
                "name": item.name,
                "category": item.category,
                "price": decimal_string(cents),
                "stock": str(item.stock),
                "description": item.description,
                "risk": str(item.risk_level),
                "active": True,
            }
            admin_products.save_product(
                db, actor_id=admin.id, item_id=item.id, fields=fields, now=1
            )
    finally:
        engine.dispose()
    return format_cents(cents)


def test_price_change_and_cart_count_reach_tabs_on_both_workers(app, browser) -> None:
    context = browser.new_context()
    try:
        first = context.new_page()
        watch = SocketWatch(first)
        register_in_browser(first, app.url, unique_username("live"), watch)
        tabs = [first]
        for _ in range(3):
            tab = context.new_page()
            goto_live(tab, f"{app.url}/", SocketWatch(tab))
            expect(add_button(tab, PRODUCT)).to_be_visible()
            tabs.append(tab)

        shown = _raise_price(app, 123_456)
        for tab in tabs:
            expect(tab.locator("main")).to_contain_text(shown, timeout=LIVE_MS)

        add_button(first, PRODUCT).click()
        for tab in tabs:
            expect(cart_badge(tab)).to_have_text("1", timeout=LIVE_MS)
        assert all(re.search(r"/$", tab.url) for tab in tabs)  # nobody reloaded or moved
    finally:
        context.close()
