"""What every route may depend on: the current user, the parsed body, the client address.

Routes declare these as parameters (`user: CurrentUser`, `body: ... = Depends(parsed(...))`),
so the token check, the body size limit and strict parsing live here once, not per route.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel, ValidationError

from fintech_ui.db import now, run
from fintech_ui.services import throttle
from fintech_ui.services.sessions import UserView, resolve_user
from fintech_ui.settings import get_settings

MAX_BODY_BYTES = 16 * 1024
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """An answer other than success: status, message and optional headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# Declared for the OpenAPI description (both schemes are accepted); the token itself is
# read by _token below, exactly as the Flask service did.
_api_key = APIKeyHeader(name="x-access-tokens", auto_error=False, scheme_name="AccessToken")
_bearer = HTTPBearer(auto_error=False, scheme_name="Bearer")


def _token(request: Request) -> str:
    token = request.headers.get("x-access-tokens", "")
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    return token


async def current_token(
    request: Request,
    _key: Annotated[Any, Security(_api_key)] = None,
    _bearer_credentials: Annotated[Any, Security(_bearer)] = None,
) -> str:
    """The session token of the request (x-access-tokens, else Bearer), or 401 without one."""
    token = _token(request)
    if not token:
        raise ApiError(401, "Token is missing!")
    return token


Token = Annotated[str, Depends(current_token)]


async def current_user(token: Token) -> UserView:
    """The user of a live session token, or 401."""
    user = await run(resolve_user, token, settings=get_settings(), now=now(), read_only=True)
    if user is None:
        raise ApiError(401, "Invalid Token!")
    return user


CurrentUser = Annotated[UserView, Depends(current_user)]


def client_address(request: Request) -> str:
    """The client's address for the login throttle, believing only our own proxies."""
    peer = request.client.host if request.client else ""
    return throttle.client_address(
        peer, request.headers.get("x-forwarded-for", ""), get_settings().trusted_proxy_hops
    )


ClientAddress = Annotated[str, Depends(client_address)]


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(username, password) from an HTTP Basic header, or None when there is none or it is bad."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 4096:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


BasicCredentials = Annotated[tuple[str, str] | None, Depends(basic_credentials)]


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


def validation_message(exc: Exception) -> str:
    """The first problem of a validation error, in words a client developer can act on."""
    errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
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


def parsed(model: type[M], *, optional: bool = False) -> Callable[[Request], Awaitable[M]]:
    """A dependency: the JSON (or, for form posts, form) body, size-limited and validated
    strictly against `model` (an empty body is `model()` when optional)."""

    async def body(request: Request) -> M:
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
        except (ValidationError, ValueError) as exc:
            raise ApiError(422, validation_message(exc)) from None

    return body
