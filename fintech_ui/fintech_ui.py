"""The Reflex app: every page with its route and on_load, and the HTTP endpoints."""

import logging

import reflex as rx
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.routing import Mount

from fintech_ui import log_hygiene, security_headers, session_cookie
from fintech_ui.api import api
from fintech_ui.db import DatabaseNotReady, check_ready, check_redis
from fintech_ui.pages import account, cart, index, login, orders, register
from fintech_ui.settings import ConfigError, get_settings
from fintech_ui.state.account import AccountState
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState
from fintech_ui.state.catalogue import CatalogueState
from fintech_ui.state.orders import OrdersState

try:  # refuse to start on bad configuration or an unusable database, before serving anyone
    check_ready()
    check_redis(get_settings().redis_url)
except (ConfigError, DatabaseNotReady) as exc:
    raise SystemExit(f"Fintech UI cannot start: {exc}") from None

logger = logging.getLogger("fintech_ui")
log_hygiene.install()  # no credentials, no megabytes, no floods from hostile events in the log


def _on_backend_error(exception: Exception) -> rx.event.EventSpec:
    """Log the details for us; show the user a plain message, never a trace or internals.

    Reached when a browser calls a handler with arguments it does not take, or on a bug.
    """
    logger.error("event handler failed", exc_info=exception)
    if isinstance(exception, RedisError):
        # The handler may have committed before the page state could be saved.
        return rx.toast.error(
            "Fintech UI is having a temporary problem and your last action may not have been "
            "saved. In a minute, reload the page and check your cart and orders.",
            id="backend_error",
            position="top-center",
            duration=15000,
        )
    return rx.toast.error(
        "That request could not be completed. Reload the page and try again.",
        id="backend_error",
        position="top-center",
    )


app = rx.App(
    backend_exception_handler=_on_backend_error,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    api_transformer=[
        Starlette(routes=[*session_cookie.routes, Mount("/api", app=api)]),
        security_headers.transformer(
            enabled=get_settings().security_headers,
            allowed_origins=[*get_settings().allowed_origins, rx.config.get_config().api_url],
        ),
    ],
)

COMMON = [AuthState.sync_session, CartState.load]
PRIVATE = [AuthState.require_login, CartState.load]

app.add_page(
    index.index_page,
    route=index.ROUTE,
    title="Catalogue · Fintech UI",
    on_load=[CatalogueState.load, *COMMON],  # the products first: they are what people click
)
app.add_page(
    login.login_page,
    route=login.ROUTE,
    title="Log in · Fintech UI",
    on_load=[*COMMON, AuthState.clear_messages],
)
app.add_page(
    register.register_page,
    route=register.ROUTE,
    title="Create account · Fintech UI",
    on_load=[*COMMON, AuthState.clear_messages],
)
app.add_page(cart.cart_page, route=cart.ROUTE, title="Cart · Fintech UI", on_load=COMMON)
app.add_page(
    account.account_page,
    route=account.ROUTE,
    title="Account · Fintech UI",
    on_load=[*PRIVATE, AccountState.load],
)
app.add_page(
    orders.orders_page,
    route=orders.ROUTE,
    title="Orders · Fintech UI",
    on_load=[*PRIVATE, OrdersState.load],
)
app.add_page(
    orders.order_detail_page,
    route=orders.DETAIL_ROUTE,
    title="Order · Fintech UI",
    on_load=[*PRIVATE, OrdersState.load_detail],
)
