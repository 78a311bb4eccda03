"""Register, log in (HTTP Basic, as the Flask service did) and log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from fintech_ui.api import schemas
from fintech_ui.api.deps import (
    ApiError,
    BasicCredentials,
    ClientAddress,
    CurrentUser,
    Token,
    parsed,
)
from fintech_ui.db import now, run
from fintech_ui.services import accounts, sessions
from fintech_ui.settings import get_settings

router = APIRouter(tags=["auth"])
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Login required!"'}


@router.post(
    "/register",
    status_code=201,
    openapi_extra=schemas.CREDENTIALS_BODY,
    responses=schemas.errors(400, 409, 413, 422, 429, 503),
)
async def register_user(
    body: Annotated[schemas.Credentials, Depends(parsed(schemas.Credentials))],
    address: ClientAddress,
) -> schemas.Registered:
    """Create an account (same rules as the web form)."""
    try:
        user = await run(
            accounts.create_account,
            username=body.username,
            password=body.password,
            settings=get_settings(),
            now=now(),
            address=address,
            passwords=True,
        )
    except accounts.UsernameTaken:
        raise ApiError(409, "User already exists") from None
    return schemas.Registered(message="Registration successful!", id=user.id)


@router.post("/login", responses=schemas.errors(401, 429, 503))
async def log_in(credentials: BasicCredentials, address: ClientAddress) -> schemas.TokenOut:
    """Swap HTTP Basic credentials for a session token."""
    if credentials is None:
        raise ApiError(401, "Invalid credentials!", CHALLENGE)
    username, password = credentials
    result = await run(
        accounts.log_in,
        username=username,
        password=password,
        address=address,
        settings=get_settings(),
        now=now(),
        passwords=True,
    )
    if result.retry_after:
        raise ApiError(
            429,
            "Too many failed attempts. Try again later.",
            {"Retry-After": str(result.retry_after)},
        )
    if result.user is None:
        raise ApiError(401, "Invalid credentials!", CHALLENGE)
    return schemas.TokenOut(token=result.token, message="Login Successful!")


@router.post("/logout", responses=schemas.errors(401))
async def log_out(token: Token, _user: CurrentUser) -> schemas.Message:
    """Revoke the token used for this request."""
    await run(sessions.log_out, token=token, settings=get_settings(), now=now())
    return schemas.Message(message="Logged out.")
