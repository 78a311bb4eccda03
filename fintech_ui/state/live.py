"""Live updates: an operator's product change reaches every open tab that shows the product,
and a user's cart and balance reach all of that user's tabs, without a reload.

Each worker keeps the tabs connected to it (client token -> user id, recorded by
`LiveState.track` on every page load) and polls the database every POLL_SECONDS
(services/live_feed.py). The database is shared by all workers, so this works the same with
one worker in memory or several on Redis; each worker pushes only to its own sockets, with
`app.modify_state`, by re-running the page's own load handlers (which re-check the session).
"""

from __future__ import annotations

import asyncio
import logging
import time

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from fintech_ui.db import now, run
from fintech_ui.services import live_feed
from fintech_ui.state.account import AccountState
from fintech_ui.state.cart import CartState
from fintech_ui.state.catalogue import CatalogueState
from fintech_ui.state.product import ProductState
from fintech_ui.state.session import current_user

POLL_SECONDS = 0.5
PRUNE_EVERY = 600.0
logger = logging.getLogger("fintech_ui.live")

# client token -> user id (None for a visitor): the tabs of this worker that loaded a page
_tabs: dict[str, int | None] = {}


def register_tab(state: rx.State, user_id: int | None) -> None:
    """Remember whose tab this is (None: a visitor), so changes made elsewhere can reach it."""
    token = state.router.session.client_token
    if token:
        _tabs[token] = user_id


class LiveState(rx.State):
    """Registers this tab for live updates (pages do it through AdminState.sync_link)."""

    @rx.event
    async def track(self):
        """Remember whose tab this is, so changes made elsewhere can reach it."""
        user = await current_user(self)
        register_tab(self, user.id if user is not None else None)


def _connected(app: rx.App) -> set[str]:
    namespace = app.event_namespace
    return set(namespace.sid_to_token.values()) if namespace is not None else set()


async def _refresh_products(app: rx.App, token: str, item_ids: set[int]) -> None:
    async with app.modify_state(BaseStateToken(ident=token, cls=CartState)) as state:
        catalogue = await state.get_state(CatalogueState)
        if any(row.id in item_ids for row in catalogue.products):
            await catalogue._refresh_in_place()
        product = await state.get_state(ProductState)
        if product.item_id in item_ids:
            await ProductState.load.fn(product)
        cart = await state.get_state(CartState)
        if any(row.item_id in item_ids for row in cart.rows):
            await CartState.load.fn(cart)


async def _refresh_user(app: rx.App, token: str) -> None:
    async with app.modify_state(BaseStateToken(ident=token, cls=CartState)) as state:
        cart = await state.get_state(CartState)
        await CartState.load.fn(cart)
        account = await state.get_state(AccountState)
        if account.balance:
            await AccountState.load.fn(account)


async def _push(coroutines: list) -> None:
    for outcome in await asyncio.gather(*coroutines, return_exceptions=True):
        if isinstance(outcome, Exception):
            logger.warning("live update failed", exc_info=outcome)


async def poll_once(app: rx.App, last_id: int, marks: dict[int, tuple[int, ...]]) -> int:
    """One round: read the feed, push to this worker's tabs; the new last id."""
    connected = _connected(app)
    for token in [t for t in _tabs if t not in connected]:
        del _tabs[token]
    users = sorted({user for user in _tabs.values() if user is not None})
    feed = await run(live_feed.poll, after_id=last_id, user_ids=users, read_only=True)
    jobs = []
    if feed.item_ids:
        changed = set(feed.item_ids)
        jobs += [_refresh_products(app, token, changed) for token in list(_tabs)]
    for user_id, mark in feed.marks.items():
        if marks.get(user_id, mark) != mark:
            jobs += [_refresh_user(app, t) for t, u in list(_tabs.items()) if u == user_id]
        marks[user_id] = mark
    for user_id in [u for u in marks if u not in feed.marks]:
        del marks[user_id]
    if jobs:
        await _push(jobs)
    return feed.last_id


async def poll_forever(app: rx.App) -> None:
    """The lifespan task of each worker: poll, push, repeat; never dies of one bad round."""
    last_id = await run(live_feed.latest_id, read_only=True)
    marks: dict[int, tuple[int, ...]] = {}
    pruned = time.monotonic()
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            last_id = await poll_once(app, last_id, marks)
            if time.monotonic() - pruned > PRUNE_EVERY:
                pruned = time.monotonic()
                await run(live_feed.prune, now=now())
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live update round failed")
