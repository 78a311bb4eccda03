"""The JSON API under /api, compatible with the Flask service it replaces; thin over services/.

Clients of the old service register with form fields, log in with HTTP Basic and send the
token in `x-access-tokens`; that conversation works unchanged with /api in front of each path.
Every refusal is `{"message": ...}` with its status; domain errors become 422 (409 for a
conflict), and anything unexpected a plain 500 that says nothing changed.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, validation_message
from fintech_ui.api.routes import account, admin, auth, cart, docs, items, orders, portfolio
from fintech_ui.db import Busy
from fintech_ui.errors import DomainError
from fintech_ui.services import trading
from fintech_ui.services.accounts import (
    PasswordChangeThrottled,
    RegistrationThrottled,
    UsernameTaken,
)
from fintech_ui.services.admin_products import ProductInvalid
from fintech_ui.services.ledger import DepositKeyReused
from fintech_ui.services.orders import CartChanged, KeyReused, PricesChanged

CONFLICTS = (
    KeyReused,
    PricesChanged,
    UsernameTaken,
    trading.KeyReused,
    DepositKeyReused,
    CartChanged,
)
RETRY_LATER = (Busy, RegistrationThrottled, PasswordChangeThrottled)

api = FastAPI(
    title="Fintech UI API",
    version="1.0",
    description="Register, log in, browse products, fill a cart and check out. "
    "Authenticate with `x-access-tokens: <token>` or `Authorization: Bearer <token>`.",
    docs_url=None,
    redoc_url=None,
    openapi_url="/openapi.json",
    responses=schemas.errors(500),
)
for module in (auth, items, cart, orders, account, portfolio, admin, docs):
    api.include_router(module.router)


@api.exception_handler(ApiError)
async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"message": exc.message}, status_code=exc.status, headers=exc.headers)


@api.exception_handler(DomainError)
async def _refused(_request: Request, exc: DomainError) -> JSONResponse:
    if isinstance(exc, RETRY_LATER):
        # Throttled (429) or the password pool full (503): say when to come back.
        status = 503 if isinstance(exc, Busy) else 429
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"message": str(exc)}, status_code=status, headers=headers)
    status = 409 if isinstance(exc, CONFLICTS) else 422
    return JSONResponse({"message": str(exc)}, status_code=status)


@api.exception_handler(ProductInvalid)
async def _invalid_product(_request: Request, exc: ProductInvalid) -> JSONResponse:
    return JSONResponse({"message": str(exc), "errors": exc.errors}, status_code=422)


@api.exception_handler(RequestValidationError)
async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"message": validation_message(exc)}, status_code=422)


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
