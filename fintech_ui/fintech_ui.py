"""The Reflex app: every page with its route and on_load, and the HTTP endpoints."""

import logging

import reflex as rx
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.routing import Mount

from fintech_ui import collector, log_hygiene, routes, security_headers, session_cookie
from fintech_ui.api import api
from fintech_ui.pages import (
    account,
    admin,
    cart,
    index,
    login,
    not_found,
    orders,
    portfolio,
    product,
    register,
    security,
)
from fintech_ui.settings import ConfigError, get_settings
from fintech_ui.startup import DatabaseNotReady, catalogue_first_page, check_ready, check_redis
from fintech_ui.state.account import AccountState
from fintech_ui.state.admin import AdminState
from fintech_ui.state.auth import AuthState
from fintech_ui.state.cart import CartState
from fintech_ui.state.catalogue import CatalogueState, start_with
from fintech_ui.state.live import poll_forever
from fintech_ui.state.orders import OrdersState
from fintech_ui.state.portfolio import PortfolioState
from fintech_ui.state.product import ProductState
from fintech_ui.state.security import ResetPasswordState, SecurityState
from fintech_ui.state.session import PrivateDataMiddleware
from fintech_ui.state.withdrawal import WithdrawalState

try:  # refuse to start on bad configuration or an unusable database, before serving anyone
    check_ready()
    check_redis(get_settings().redis_url)
except (ConfigError, DatabaseNotReady) as exc:
    raise SystemExit(f"Fintech UI cannot start: {exc}") from None

# The catalogue's first page goes into the compiled "/" (its HTML and initial state), so the
# product grid paints with the HTML; CatalogueState.load puts the live page in its place.
start_with(catalogue_first_page())

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


def _frontend_url() -> str:
    """Where the browser reaches the pages (Reflex's deploy_url), read when a request comes;
    "" (redirects by path alone) when the backend serves the pages itself (one port)."""
    config = rx.config.get_config()
    if routes.served_together(config.deploy_url, config.api_url):
        return ""
    return config.deploy_url or ""


app = rx.App(
    backend_exception_handler=_on_backend_error,
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    stylesheets=["/styles.css"],  # contrast, focus, touch targets, small screens
    # Top centre: on a phone a toast at the bottom is below the fold, unseen.
    toaster=rx.toast.provider(position="top-center"),
    api_transformer=[
        Starlette(
            routes=[
                *session_cookie.cookie_routes(_frontend_url),
                Mount(routes.API, app=api),
            ]
        ),
        session_cookie.nonce_transformer,
        security_headers.transformer(
            enabled=get_settings().security_headers,
            allowed_origins=[*get_settings().allowed_origins, rx.config.get_config().api_url],
        ),
    ],
)

# Before the whole state goes to a new connection: nobody's data without a live session.
app.add_middleware(PrivateDataMiddleware(), index=0)

# sync_link also registers the tab for live updates (state/live.py)
COMMON = [AuthState.sync_session, CartState.load, AdminState.sync_link]
PRIVATE = [AuthState.require_login, CartState.load, AdminState.sync_link]

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
    on_load=[*PRIVATE, AccountState.load, WithdrawalState.load],
)
app.add_page(
    security.security_page,
    route=security.ROUTE,
    title="Password and sessions · Fintech UI",
    on_load=[*PRIVATE, SecurityState.load],
)
app.add_page(
    security.reset_password_page,
    route=security.RESET_ROUTE,
    title="Set a new password · Fintech UI",
    on_load=[*COMMON, ResetPasswordState.open_page],
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
app.add_page(
    portfolio.portfolio_page,
    route=portfolio.ROUTE,
    title="Portfolio · Fintech UI",
    on_load=[*PRIVATE, PortfolioState.load],
)
app.add_page(
    product.product_page,
    route=product.ROUTE,
    title="Product · Fintech UI",
    on_load=[ProductState.load, *COMMON],
)
app.add_page(
    not_found.not_found_page,
    route=not_found.ROUTE,
    title="Page not found · Fintech UI",
    on_load=COMMON,
)
app.add_page(
    admin.admin_page,
    route=admin.ROUTE,
    title="Back office · Fintech UI",
    on_load=[AuthState.sync_session, CartState.load, AdminState.load],
)
app.register_lifespan_task(poll_forever)  # live updates: see state/live.py
app.register_lifespan_task(collector.freeze_after_start)  # no 0.1 s collector pauses
