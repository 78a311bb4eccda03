"""The live-update feed: product changes after a position, and per-user cart/balance marks."""

from __future__ import annotations

import factories

from fintech_ui.services import admin_products, live_feed

T0 = 1_700_000_000


def test_a_saved_product_appears_in_the_feed_once(db, make_user, make_item):
    admin = make_user("Boss")
    item_id = make_item("Feed Fund", sku="FEED-1", price_cents=1000, stock=3)
    factories.make_admin(db, admin)
    start = live_feed.latest_id(db)
    view = admin_products.get_product(db, actor_id=admin, item_id=item_id)
    fields = {
        "sku": view.sku,
        "name": view.name,
        "category": view.category,
        "price": "11.00",
        "stock": "3",
        "description": "",
        "risk": "3",
        "active": True,
    }
    admin_products.save_product(db, actor_id=admin, item_id=item_id, fields=fields, now=T0)
    feed = live_feed.poll(db, after_id=start, user_ids=[])
    assert feed.item_ids == (item_id,)
    assert live_feed.poll(db, after_id=feed.last_id, user_ids=[]).item_ids == ()


def test_a_user_mark_changes_with_the_cart_and_the_balance(db, make_user, make_item):
    user = make_user("Dana", balance_cents=5_000)
    item_id = make_item("Mark Fund", price_cents=1000, stock=9)
    db.commit()
    before = live_feed.poll(db, after_id=0, user_ids=[user]).marks[user]
    factories.put_in_cart(db, user, item_id, 1, now=T0)
    after_cart = live_feed.poll(db, after_id=0, user_ids=[user]).marks[user]
    factories.fund(db, user, 100, now=T0)
    after_deposit = live_feed.poll(db, after_id=0, user_ids=[user]).marks[user]
    assert len({before, after_cart, after_deposit}) == 3


def test_prune_drops_old_rows(db, make_user, make_item):
    admin = make_user("Boss")
    item_id = make_item("Old Fund")
    factories.make_admin(db, admin)
    admin_products.remove_product(db, actor_id=admin, item_id=item_id, now=T0)
    assert live_feed.prune(db, now=T0 + live_feed.KEEP_SECONDS + 1) == 1
