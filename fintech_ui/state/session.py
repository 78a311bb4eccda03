"""Who is asking: the session cookie of the websocket, checked against the database.

Every privileged handler calls `current_user` itself. The browser can call any handler by
name at any time, so neither `on_load` nor a var set earlier proves who is on the other end.

A tab's state outlives its session (it is kept per tab token, and sent whole to whoever
connects with that token), so every state that shows one user's data registers itself with
`@private` and says how to forget it; `forget_user` empties them all. It runs on log-out,
when a handler finds a session cookie that no longer works, and before a page's state is sent
to a connection without a live session (`PrivateDataMiddleware`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import reflex as rx
from reflex.middleware import Middleware
from starlette.requests import cookie_parser

from fintech_ui.db import now, run
from fintech_ui.security import DEVICE_COOKIE, LOGIN_NONCE_COOKIE, SESSION_COOKIE
from fintech_ui.services.sessions import UserView, resolve_user
from fintech_ui.settings import get_settings

SESSION_ENDED = "Your session has ended. Log in again."
# The events that send a tab's whole state (on every websocket connect).
HYDRATE_EVENTS = (".hydrate", ".hydrate_and_load")

StateT = TypeVar("StateT", bound=type[rx.State])
_PRIVATE: list[tuple[type[rx.State], Callable[[Any], None]]] = []


def private(forget: Callable[[Any], None]) -> Callable[[StateT], StateT]:
    """Register a state holding one user's data; `forget(state)` empties it."""

    def register(cls: StateT) -> StateT:
        _PRIVATE.append((cls, forget))
        return cls

    return register


async def forget_user(state: rx.State) -> None:
    """Empty every state of this tab that holds the previous user's data."""
    for cls, forget in _PRIVATE:
        forget(await state.get_state(cls))


def _cookies(state: rx.State) -> Mapping[str, str]:
    return _parsed_cookies(state.router.headers.cookie or "")


@functools.lru_cache(maxsize=1024)
def _parsed_cookies(header: str) -> Mapping[str, str]:
    # Parsed per ';' chunk as browsers send it: SimpleCookie drops the whole header when
    # any neighbouring cookie (another app on this host) is malformed. A tab sends the same
    # header with every event, so each header is parsed once (callers only read the dict).
    return MappingProxyType(cookie_parser(header))


def session_token(state: rx.State) -> str:
    """The session token sent as an HttpOnly cookie with the websocket handshake, or ''."""
    return _cookies(state).get(SESSION_COOKIE, "")


def login_nonce(state: rx.State) -> str:
    """This browser's login-nonce cookie (binds its login codes to it), or ''."""
    return _cookies(state).get(LOGIN_NONCE_COOKIE, "")


def device_token(state: rx.State) -> str:
    """This browser's device cookie (it logged in to an account before), or ''."""
    return _cookies(state).get(DEVICE_COOKIE, "")


async def current_user(state: rx.State) -> UserView | None:
    """The live, active user of this websocket's session, or None.

    A cookie whose session has ended (expired, logged out elsewhere, password changed) also
    empties every private state of the tab: nothing of that user stays on screen.
    """
    token = session_token(state)
    if not token:
        return None
    user = await run(resolve_user, token, settings=get_settings(), now=now(), read_only=True)
    if user is None:
        await forget_user(state)
    return user


class PrivateDataMiddleware(Middleware):
    """Before a page's state is sent whole (hydrate), empty the private states of a tab that
    has no live session, so a new connection with an old tab token sees nobody's data."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> Any:
        """Forget the user on hydrate when the cookie names no live session; never answers."""
        if not event.name.endswith(HYDRATE_EVENTS):
            return None
        token = session_token(state)
        user = None
        if token:
            user = await run(
                resolve_user, token, settings=get_settings(), now=now(), read_only=True
            )
        if user is None:
            await forget_user(state)
        return None
