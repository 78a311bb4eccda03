"""A privileged handler called over a raw websocket, the way a script (not the page) would.

The browser can call any event handler by name at any time, so AccountState.load must check
the session cookie itself. These tests speak Reflex 0.10's event protocol directly:

* Engine.IO 4 over a plain websocket at `{api_url}/_event/?EIO=4&transport=websocket&token=T`
  (T is the tab's client token; the HTTP handshake carries the Cookie header the handlers
  read through `self.router.headers.cookie`). The server opens with `0{...}` and pings
  with `2`, answered by `3`.
* Socket.IO 5 on namespace `/_event`: connect with `40/_event,` (the browser puts its
  hydrate event into the CONNECT auth; optional), acknowledged by `40/_event,{"sid":...}`.
* An event is `42/_event,["event",{"name": "<state full name>.<handler>", "payload": {},
  "router_data": {"pathname": ..., "asPath": ...}}]`; each state update comes back as
  `42/_event,["event",{"delta": {<state full name>: {"<var>_rx_state_": value}}, ...}]`.

Events of one token run in order, so a `hydrate` sent after `load` doubles as a sentinel:
its update carries the whole state tree, after everything `load` produced.

python-socketio's AsyncClient would need aiohttp, which the project does not install, and
simple-websocket's AioClient can leave a frame that arrived with the handshake response unread
until the next one (25 s later: the server's ping). So the websocket is a few lines over
wsproto (a dependency of Reflex, through python-engineio), and the framing is done here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import secrets
import time
import uuid
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import pytest
import reflex as rx
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from fintech_ui.db import session_scope
from fintech_ui.security import SESSION_COOKIE
from fintech_ui.services.sessions import create_session, revoke_session
from fintech_ui.settings import get_settings
from fintech_ui.state.account import AccountState
from fintech_ui.state.auth import AuthState

# No Chromium here, but the production build is what makes these slow.
pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Lantern-73"
NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
ACCOUNT_STATE = AccountState.get_full_name()
AUTH_STATE = AuthState.get_full_name()
EXCHANGE_TIMEOUT_S = 20


class RawWebSocket:
    """A minimal websocket client for text frames: connect, send, receive, close."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._accepted = False
        self._closed = False
        self._messages: list[str] = []
        self._partial = ""

    @classmethod
    async def connect(
        cls, url: str, headers: dict[str, str], subprotocols: list[str], timeout: float
    ) -> RawWebSocket:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        client = cls(reader, writer)
        request = Request(
            host=parts.netloc,
            target=parts.path + (f"?{parts.query}" if parts.query else ""),
            subprotocols=subprotocols,
            extra_headers=[(k.encode(), v.encode()) for k, v in headers.items()],
        )
        writer.write(client._ws.send(request))
        while not client._accepted:
            await client._pump(timeout)
        return client

    async def _pump(self, timeout: float) -> None:
        """Read once from the socket and handle every complete websocket event."""
        data = await asyncio.wait_for(self._reader.read(65536), timeout)
        if not data:
            raise ConnectionError("the server closed the connection")
        self._ws.receive_data(data)
        for event in self._ws.events():
            if isinstance(event, AcceptConnection):
                self._accepted = True
            elif isinstance(event, RejectConnection):
                raise ConnectionError(f"websocket refused with HTTP {event.status_code}")
            elif isinstance(event, TextMessage):
                self._partial += event.data
                if event.message_finished:
                    self._messages.append(self._partial)
                    self._partial = ""
            elif isinstance(event, Ping):
                self._writer.write(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self._closed = True
                raise ConnectionError(f"websocket closed: {event.code} {event.reason}")

    async def send(self, text: str) -> None:
        self._writer.write(self._ws.send(TextMessage(data=text)))
        await self._writer.drain()

    async def receive(self, timeout: float) -> str | None:
        """The next text message, or None when none arrived within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self._messages:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                await self._pump(remaining)
            except TimeoutError:
                return None
        return self._messages.pop(0)

    async def close(self) -> None:
        if not self._closed and self._accepted:
            self._closed = True
            self._writer.write(self._ws.send(CloseConnection(code=1000)))
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def _event(name: str, path: str) -> str:
    body = {
        "name": name,
        "payload": {},
        "router_data": {"pathname": path, "asPath": path},
    }
    return f"42{NAMESPACE}," + json.dumps(["event", body])


async def _exchange(
    ws_url: str, cookie: str | None, origin: str, tab: str, load: bool
) -> list[dict[str, Any]]:
    """Call AccountState.load (unless not `load`), then hydrate, as the tab with client token
    `tab`; every state update received until hydrate's."""
    headers = {"Origin": origin}
    if cookie is not None:
        headers["Cookie"] = cookie
    url = f"{ws_url}/_event/?EIO=4&transport=websocket&token={tab}"
    ws = await RawWebSocket.connect(
        url, headers, subprotocols=[rx.constants.Reflex.VERSION], timeout=EXCHANGE_TIMEOUT_S
    )
    updates: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + EXCHANGE_TIMEOUT_S

        async def receive() -> str:
            while True:
                remaining = deadline - time.monotonic()
                message = await ws.receive(timeout=remaining)
                if message is None:
                    raise AssertionError(f"no answer in {EXCHANGE_TIMEOUT_S}s; got {updates}")
                if message == "2":  # Engine.IO ping
                    await ws.send("3")
                    continue
                return message

        opening = await receive()
        assert opening.startswith("0{"), opening
        await ws.send(f"40{NAMESPACE},")
        connected = await receive()
        assert connected.startswith(f"40{NAMESPACE},"), connected

        if load:
            await ws.send(_event(f"{ACCOUNT_STATE}.load", "/account"))
        await ws.send(_event(f"{ROOT_STATE}.hydrate", "/account"))
        while True:
            message = await receive()
            prefix = f"42{NAMESPACE},"
            if not message.startswith(prefix):
                continue
            name, *args = json.loads(message[len(prefix) :])
            if name != "event":
                continue
            update = args[0]
            updates.append(update)
            if AUTH_STATE in (update.get("delta") or {}):  # only hydrate sends AuthState
                return updates
    finally:
        await ws.close()


def exchange(
    backend_url: str,
    frontend_url: str,
    cookie: str | None,
    *,
    tab: str | None = None,
    load: bool = True,
) -> list[dict[str, Any]]:
    """Run the exchange on a loop of its own thread, away from Playwright's sync loop; `tab`
    is the client token (default: a new tab)."""
    ws_url = "ws" + backend_url.removeprefix("http")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        coroutine = _exchange(ws_url, cookie, frontend_url, tab or str(uuid.uuid4()), load)
        future = pool.submit(asyncio.run, coroutine)
        return future.result(timeout=EXCHANGE_TIMEOUT_S + 10)


def cookie_header(token: str) -> str:
    cookie = SimpleCookie()
    cookie[SESSION_COOKIE] = token
    return cookie.output(header="", attrs=[]).strip()


def account_values(updates: list[dict[str, Any]]) -> list[Any]:
    """Every value of AccountState.account_name the server sent, in order."""
    return [
        update["delta"][ACCOUNT_STATE]["account_name_rx_state_"]
        for update in updates
        if "account_name_rx_state_" in (update.get("delta") or {}).get(ACCOUNT_STATE, {})
    ]


@pytest.fixture
def user_with_session(create_user) -> tuple[str, str]:
    """A fresh user and the token of a live session of theirs."""
    username = f"wsguard_{secrets.token_hex(4)}"
    user_id = create_user(username, PASSWORD)
    settings, now = get_settings(), int(time.time())
    with session_scope() as db:
        from fintech_ui.models import User

        user = db.get(User, user_id)
        token = create_session(db, user=user, settings=settings, now=now)
    return username, token


def test_load_without_cookie_reveals_nothing(
    backend_url: str, frontend_url: str, user_with_session: tuple[str, str]
) -> None:
    username, _token = user_with_session

    updates = exchange(backend_url, frontend_url, cookie=None)

    assert account_values(updates)[-1] == ""  # hydrate's full state: the sentinel arrived
    assert username not in json.dumps(updates)


def test_load_with_revoked_session_reveals_nothing(
    backend_url: str, frontend_url: str, user_with_session: tuple[str, str]
) -> None:
    username, token = user_with_session
    with session_scope() as db:
        assert revoke_session(db, token, settings=get_settings(), now=int(time.time()))

    updates = exchange(backend_url, frontend_url, cookie=cookie_header(token))

    assert account_values(updates)[-1] == ""
    assert username not in json.dumps(updates)


def test_load_with_forged_cookie_reveals_nothing(
    backend_url: str, frontend_url: str, user_with_session: tuple[str, str]
) -> None:
    username, token = user_with_session
    header, payload, _signature = token.split(".")
    forged = f"{header}.{payload}.{secrets.token_urlsafe(32)}"

    updates = exchange(backend_url, frontend_url, cookie=cookie_header(forged))

    assert username not in json.dumps(updates)


def test_load_with_live_session_shows_the_user(
    backend_url: str, frontend_url: str, user_with_session: tuple[str, str]
) -> None:
    username, token = user_with_session

    updates = exchange(backend_url, frontend_url, cookie=cookie_header(token))

    # load's own update names the user, and the state tree hydrate sends afterwards keeps it.
    values = account_values(updates)
    assert len(values) >= 2, updates
    assert values[0] == username
    assert values[-1] == username


@pytest.mark.parametrize("cookie_left", [False, True], ids=["cookie gone", "dead cookie"])
def test_the_same_tab_after_its_session_ended_hydrates_without_the_users_data(
    backend_url: str, frontend_url: str, user_with_session: tuple[str, str], cookie_left: bool
) -> None:
    # Issue 10, defect 1: the tab's state is kept per client token; a new connection with
    # that token and no live session must not receive the previous user's page.
    username, token = user_with_session
    tab = str(uuid.uuid4())
    shown = exchange(backend_url, frontend_url, cookie=cookie_header(token), tab=tab)
    assert account_values(shown)[-1] == username
    with session_scope() as db:
        assert revoke_session(db, token, settings=get_settings(), now=int(time.time()))

    cookie = cookie_header(token) if cookie_left else None
    updates = exchange(backend_url, frontend_url, cookie=cookie, tab=tab, load=False)

    assert account_values(updates)[-1] == ""
    assert username not in json.dumps(updates)
