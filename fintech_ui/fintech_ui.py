"""The Reflex app: every page with its route and on_load, and the HTTP endpoints."""

import reflex as rx
from starlette.applications import Starlette

from fintech_ui import session_cookie
from fintech_ui.pages import account, cart, index, login, register
from fintech_ui.settings import get_settings
from fintech_ui.state.account import AccountState
from fintech_ui.state.auth import AuthState

get_settings()  # refuse to start on bad configuration, before serving anyone

app = rx.App(
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    api_transformer=Starlette(routes=session_cookie.routes),
)

app.add_page(
    index.index_page, route=index.ROUTE, title="Fintech UI", on_load=AuthState.sync_session
)
app.add_page(
    login.login_page,
    route=login.ROUTE,
    title="Log in · Fintech UI",
    on_load=[AuthState.sync_session, AuthState.clear_messages],
)
app.add_page(
    register.register_page,
    route=register.ROUTE,
    title="Create account · Fintech UI",
    on_load=[AuthState.sync_session, AuthState.clear_messages],
)
app.add_page(
    account.account_page,
    route=account.ROUTE,
    title="Account · Fintech UI",
    on_load=[AuthState.require_login, AccountState.load],
)
app.add_page(
    cart.cart_page, route=cart.ROUTE, title="Cart · Fintech UI", on_load=AuthState.sync_session
)
