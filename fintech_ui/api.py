"""The JSON API under /api, compatible with the Flask service it replaces; thin over services/.

Clients of the old service register with form fields, log in with HTTP Basic and send the
token in `x-access-tokens`; that conversation works unchanged with /api in front of each path.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from fintech_ui.db import run, session_scope
from fintech_ui.models import Item, User
from fintech_ui.money import MoneyError, decimal_string, parse_amount
from fintech_ui.security import PolicyError
from fintech_ui.services import cart as carts
from fintech_ui.services import catalogue, ledger, orders, throttle
from fintech_ui.services.accounts import UsernameTaken, authenticate, register
from fintech_ui.services.sessions import create_session, resolve_user, revoke_session
from fintech_ui.settings import get_settings

MAX_BODY_BYTES = 16 * 1024
T = TypeVar("T")


class ApiError(Exception):
    """An answer other than success: status, message and optional headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _now() -> int:
    return int(time.time())


_in_db = run


async def _in_password_pool(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Like _in_db, on the bcrypt threads: a login storm must not take the database threads."""
    return await run(fn, *args, passwords=True, **kwargs)


# ---------------------------------------------------------------- request bodies


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Credentials(_Strict):
    """A username and password, as form fields or JSON."""

    username: StrictStr = Field(max_length=256)
    password: StrictStr = Field(max_length=1024)


class CartAdd(_Strict):
    """A product and how many units to add."""

    item_id: StrictInt = Field(gt=0, lt=2**31)
    quantity: StrictInt = Field(default=1, ge=1, le=carts.MAX_QUANTITY)


class CartQuantity(_Strict):
    """The new quantity of a cart line."""

    quantity: StrictInt = Field(ge=1, le=carts.MAX_QUANTITY)


class CheckoutBody(_Strict):
    """Optionally, the one product to buy instead of the whole cart."""

    item_id: StrictInt | None = Field(default=None, gt=0, lt=2**31)


class Deposit(_Strict):
    """An amount of money as a decimal string, e.g. "25.50"."""

    amount: StrictStr = Field(max_length=32)


# ---------------------------------------------------------------- authentication


def _bearer_token(request: Request) -> str:
    token = request.headers.get("x-access-tokens", "")
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    return token


async def current_user(request: Request) -> User:
    """The user of a live session token, or 401."""
    token = _bearer_token(request)
    if not token:
        raise ApiError(401, "Token is missing!")
    user = await asyncio.to_thread(
        resolve_user, session_scope, token, settings=get_settings(), now=_now()
    )
    if user is None:
        raise ApiError(401, "Invalid Token!")
    return user


AuthUser = Annotated[User, Depends(current_user)]


def _client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    return throttle.client_address(
        peer, request.headers.get("x-forwarded-for", ""), get_settings().trusted_proxy_hops
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 4096:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


async def _read_limited(request: Request) -> bytes:
    """The body, refusing (413) anything over MAX_BODY_BYTES without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "Request body too large.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "Request body too large.")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # lets request.form() parse what was already read
    return body


async def _body(request: Request, model: type[BaseModel], *, optional: bool = False) -> Any:
    """The JSON (or, for form posts, form) body validated against `model`."""
    raw = await _read_limited(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw.strip():
        if optional:
            return model()
        raise ApiError(422, "A JSON body is required.")
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        data: Any = {key: value for key, value in form.items() if isinstance(value, str)}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValueError as exc:
        raise ApiError(422, _validation_message(exc)) from None


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return "Invalid request."
    first = errors[0]
    field = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    kind = first.get("type", "")
    if kind == "extra_forbidden":
        return f"Unexpected field: {field}."
    if kind == "missing":
        return f"Missing field: {field}."
    return f"Invalid value for {field}: {first.get('msg', 'invalid')}."


# ---------------------------------------------------------------- views


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "sku": item.sku,
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "price": decimal_string(item.price_cents),
        "price_cents": item.price_cents,
        "stock": item.stock,
        "risk_level": item.risk_level,
    }


def _cart_json(lines: list[carts.LineView]) -> dict[str, Any]:
    total = sum(line.line_total_cents for line in lines)
    return {
        "items": [
            {
                "item_id": line.item_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": decimal_string(line.unit_price_cents),
                "unit_price_cents": line.unit_price_cents,
                "seen_price_cents": line.seen_price_cents,
                "price_changed": line.price_changed,
                "line_total": decimal_string(line.line_total_cents),
                "line_total_cents": line.line_total_cents,
            }
            for line in lines
        ],
        "count": sum(line.quantity for line in lines),
        "total": decimal_string(total),
        "total_cents": total,
    }


def _order_json(view: orders.OrderView) -> dict[str, Any]:
    return {
        "id": view.order.id,
        "created_at": view.order.created_at,
        "total": decimal_string(view.order.total_cents),
        "total_cents": view.order.total_cents,
        "lines": [
            {
                "item_id": line.item_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": decimal_string(line.unit_price_cents),
                "unit_price_cents": line.unit_price_cents,
                "line_total": decimal_string(line.line_total_cents),
                "line_total_cents": line.line_total_cents,
            }
            for line in view.lines
        ],
    }


# ---------------------------------------------------------------- the application

api = FastAPI(
    title="Fintech UI API",
    version="1.0",
    description="Register, log in, browse products, fill a cart and check out. "
    "Authenticate with `x-access-tokens: <token>` or `Authorization: Bearer <token>`.",
    docs_url=None,
    redoc_url=None,
    openapi_url="/openapi.json",
)


@api.exception_handler(ApiError)
async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"message": exc.message}, status_code=exc.status, headers=exc.headers)


@api.exception_handler(RequestValidationError)
async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"message": _validation_message(exc)}, status_code=422)


@api.exception_handler(StarletteHTTPException)
async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    messages = {404: "Not found.", 405: "Method not allowed."}
    return JSONResponse(
        {"message": messages.get(exc.status_code, str(exc.detail))},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


@api.exception_handler(Exception)
async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    logging.getLogger("fintech_ui.api").error("API request failed", exc_info=exc)
    return JSONResponse({"message": "Internal error. Nothing was changed."}, status_code=500)


CREDENTIALS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": Credentials.model_json_schema()},
            "application/json": {"schema": Credentials.model_json_schema()},
        },
    }
}


def _json_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


@api.post("/register", status_code=201, openapi_extra=CREDENTIALS_BODY)
async def register_user(request: Request) -> JSONResponse:
    """Create an account (same rules as the web form)."""
    body: Credentials = await _body(request, Credentials)
    try:
        user = await _in_password_pool(
            register,
            username=body.username,
            password=body.password,
            settings=get_settings(),
            now=_now(),
        )
    except UsernameTaken:
        raise ApiError(409, "User already exists") from None
    except PolicyError as exc:
        raise ApiError(422, str(exc)) from None
    return JSONResponse({"message": "Registration successful!", "id": user.id}, status_code=201)


@api.post("/login")
async def log_in(request: Request) -> JSONResponse:
    """Swap HTTP Basic credentials for a session token."""
    credentials = _basic_credentials(request)
    challenge = {"WWW-Authenticate": 'Basic realm="Login required!"'}
    if credentials is None:
        raise ApiError(401, "Invalid credentials!", challenge)
    username, password = credentials
    settings, now = get_settings(), _now()

    def work(db: Session) -> tuple[str, int]:
        outcome = authenticate(
            db,
            username=username,
            password=password,
            address=_client_address(request),
            settings=settings,
            now=now,
        )
        if outcome.user is None:
            return "", outcome.retry_after
        return create_session(db, user=outcome.user, settings=settings, now=now), 0

    token, retry_after = await _in_password_pool(work)
    if retry_after:
        raise ApiError(
            429, "Too many failed attempts. Try again later.", {"Retry-After": str(retry_after)}
        )
    if not token:
        raise ApiError(401, "Invalid credentials!", challenge)
    return JSONResponse({"token": token, "message": "Login Successful!"})


@api.post("/logout")
async def log_out(request: Request, _user: AuthUser) -> dict[str, str]:
    """Revoke the token used for this request."""
    await _in_db(revoke_session, _bearer_token(request), settings=get_settings(), now=_now())
    return {"message": "Logged out."}


@api.get("/items")
async def list_items(
    search: str = "",
    category: str = "",
    sort: str = "name",
    page: int = 1,
    per_page: int = catalogue.PAGE_SIZE,
) -> dict[str, Any]:
    """Products on sale: search by name, filter by category, sort by name or price, paged."""
    try:
        query = catalogue.make_query(
            search=search, category=category, sort=sort, page=page, per_page=per_page
        )
    except catalogue.CatalogueError as exc:
        raise ApiError(422, str(exc)) from None
    result = await _in_db(catalogue.search_items, query, read_only=True)
    return {
        "items": [_item_json(item) for item in result.items],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
    }


def _owner(user: User) -> carts.CartOwner:
    return carts.CartOwner(user_id=user.id)


async def _cart_change(user: User, change: Callable[..., None], **kwargs: Any) -> dict[str, Any]:
    def work(db: Session) -> list[carts.LineView]:
        change(db, _owner(user), now=_now(), **kwargs)
        return carts.lines(db, _owner(user))

    try:
        return _cart_json(await _in_db(work))
    except carts.CartError as exc:
        raise ApiError(422, str(exc)) from None


@api.get("/cart")
async def get_cart(user: AuthUser) -> dict[str, Any]:
    """The same cart the web UI shows for this user."""
    return _cart_json(await _in_db(carts.lines, _owner(user), read_only=True))


@api.post("/cart/items", status_code=201, openapi_extra=_json_body(CartAdd))
async def add_cart_item(request: Request, user: AuthUser) -> JSONResponse:
    """Add units of a product."""
    body: CartAdd = await _body(request, CartAdd)
    cart = await _cart_change(user, carts.add_item, item_id=body.item_id, quantity=body.quantity)
    return JSONResponse(cart, status_code=201)


@api.patch("/cart/items/{item_id}", openapi_extra=_json_body(CartQuantity))
async def set_cart_quantity(item_id: int, request: Request, user: AuthUser) -> dict[str, Any]:
    """Set a line's quantity."""
    body: CartQuantity = await _body(request, CartQuantity)
    return await _cart_change(user, carts.set_quantity, item_id=item_id, quantity=body.quantity)


@api.delete("/cart/items/{item_id}")
async def remove_cart_item(item_id: int, user: AuthUser) -> dict[str, Any]:
    """Remove a line."""
    return await _cart_change(user, carts.remove_item, item_id=item_id)


@api.post("/cart/accept-prices")
async def accept_prices(user: AuthUser) -> dict[str, Any]:
    """Confirm changed prices so checkout can proceed."""
    return await _cart_change(user, carts.accept_current_prices)


@api.post("/checkout", status_code=201, openapi_extra=_json_body(CheckoutBody, required=False))
async def checkout(request: Request, user: AuthUser) -> JSONResponse:
    """Buy the cart (or one line) once per Idempotency-Key."""
    body: CheckoutBody = await _body(request, CheckoutBody, optional=True)
    key = request.headers.get("idempotency-key", "")
    try:
        order = await asyncio.to_thread(
            orders.checkout,
            session_scope,
            user_id=user.id,
            idempotency_key=key,
            item_id=body.item_id,
            now=_now(),
        )
    except orders.KeyReused as exc:
        raise ApiError(409, str(exc)) from None
    except orders.PricesChanged as exc:
        raise ApiError(409, str(exc)) from None
    except orders.CheckoutError as exc:
        raise ApiError(422, str(exc)) from None
    view = await _in_db(orders.get_order, user_id=user.id, order_id=order.id, read_only=True)
    return JSONResponse(_order_json(view), status_code=201)


@api.get("/orders")
async def list_user_orders(user: AuthUser) -> dict[str, Any]:
    """The user's orders, newest first."""
    views = await _in_db(orders.list_orders, user_id=user.id, read_only=True)
    return {"orders": [_order_json(view) for view in views]}


@api.get("/orders/{order_id}")
async def get_user_order(order_id: int, user: AuthUser) -> dict[str, Any]:
    """One of the user's orders; anyone else's is 404."""
    view = await _in_db(orders.get_order, user_id=user.id, order_id=order_id, read_only=True)
    if view is None:
        raise ApiError(404, "Order not found.")
    return _order_json(view)


def _account_json(db: Session, user: User) -> dict[str, Any]:
    balance = ledger.balance_cents(db, user_id=user.id)
    return {
        "username": user.username,
        "balance": decimal_string(balance),
        "balance_cents": balance,
        "statement": [
            {
                "id": entry.id,
                "created_at": entry.created_at,
                "kind": entry.kind,
                "order_id": entry.order_id,
                "amount": decimal_string(entry.amount_cents),
                "amount_cents": entry.amount_cents,
                "balance_after": decimal_string(entry.balance_after_cents),
                "balance_after_cents": entry.balance_after_cents,
            }
            for entry in ledger.statement(db, user_id=user.id)
        ],
    }


@api.get("/account")
async def get_account(user: AuthUser) -> dict[str, Any]:
    """Balance and statement."""
    return await _in_db(_account_json, user, read_only=True)


@api.post("/account/deposits", status_code=201, openapi_extra=_json_body(Deposit))
async def deposit(request: Request, user: AuthUser) -> JSONResponse:
    """Add money (a simulated top-up of 0.01 to 10,000.00)."""
    body: Deposit = await _body(request, Deposit)
    try:
        cents = parse_amount(
            body.amount, min_cents=ledger.MIN_DEPOSIT_CENTS, max_cents=ledger.MAX_DEPOSIT_CENTS
        )
    except MoneyError as exc:
        raise ApiError(422, str(exc)) from None

    def work(db: Session) -> dict[str, Any]:
        ledger.deposit(db, user_id=user.id, amount_cents=cents, now=_now())
        return _account_json(db, user)

    return JSONResponse(await _in_db(work), status_code=201)


@api.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    """A self-contained page listing every endpoint (no CDN: nothing is fetched at run time)."""
    from fintech_ui.api_docs import render_docs

    return HTMLResponse(render_docs(api.openapi()))


from fintech_ui.api_portfolio import router as _portfolio_router  # noqa: E402  (needs the above)

api.include_router(_portfolio_router)
