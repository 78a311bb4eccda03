"""The balance, the statement and simulated deposits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path

from fintech_ui.api import schemas
from fintech_ui.api.deps import ApiError, CurrentUser, Token, parsed
from fintech_ui.db import now, run
from fintech_ui.money import parse_amount
from fintech_ui.services import accounts, ledger, sessions
from fintech_ui.settings import get_settings

router = APIRouter(tags=["account"], responses=schemas.errors(401))


@router.get("/account")
async def get_account(user: CurrentUser) -> schemas.AccountOut:
    """Balance and statement."""
    return schemas.account(await run(ledger.account_summary, user_id=user.id, read_only=True))


@router.post(
    "/account/deposits",
    status_code=201,
    openapi_extra=schemas.json_body(schemas.Deposit),
    responses=schemas.errors(400, 409, 413, 422),
)
async def deposit(
    user: CurrentUser,
    body: Annotated[schemas.Deposit, Depends(parsed(schemas.Deposit))],
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Your key for this deposit (1-64 of A-Z a-z 0-9 . _ : -): a retry "
            "with the same key and amount is answered with the first result, not a second "
            "credit; another amount is a 409."
        ),
    ] = None,
) -> schemas.AccountOut:
    """Add money (a simulated top-up of 0.01 to 10,000.00), once per Idempotency-Key."""
    cents = parse_amount(
        body.amount, min_cents=ledger.MIN_DEPOSIT_CENTS, max_cents=ledger.MAX_DEPOSIT_CENTS
    )
    # Without a key every request is a new deposit (the old clients' behaviour).
    key = uuid.uuid4().hex if idempotency_key is None else idempotency_key
    made = await run(
        ledger.top_up, user_id=user.id, amount_cents=cents, idempotency_key=key, now=now()
    )
    return schemas.account(made.account)


@router.post(
    "/account/password",
    openapi_extra=schemas.json_body(schemas.PasswordChange),
    responses=schemas.errors(400, 413, 422, 429, 503),
)
async def change_password(
    token: Token,
    _user: CurrentUser,
    body: Annotated[schemas.PasswordChange, Depends(parsed(schemas.PasswordChange))],
) -> schemas.PasswordChanged:
    """Set a new password after the current one; every other session and token of the user
    stops working at once, this token stays."""
    try:
        changed = await run(
            accounts.change_own_password,
            token=token,
            current_password=body.current_password,
            new_password=body.new_password,
            settings=get_settings(),
            now=now(),
            passwords=True,
        )
    except sessions.SessionEnded:
        raise ApiError(401, "Invalid Token!") from None
    return schemas.PasswordChanged(
        message="Password changed", sessions_ended=changed.sessions_ended
    )


@router.get("/account/sessions")
async def list_sessions(token: Token, _user: CurrentUser) -> schemas.SessionList:
    """The user's live sessions (browsers and API tokens); this one is `this_device`."""
    try:
        views = await run(
            sessions.sessions_of, token=token, settings=get_settings(), now=now(), read_only=True
        )
    except sessions.SessionEnded:
        raise ApiError(401, "Invalid Token!") from None
    return schemas.SessionList(
        sessions=[
            schemas.SessionOut(
                id=v.id,
                kind=v.kind,
                address=v.address,
                started_at=v.started_at,
                last_seen_at=v.last_seen_at,
                this_device=v.this_device,
            )
            for v in views
        ]
    )


@router.delete("/account/sessions/{session_id}", responses=schemas.errors(404, 422))
async def end_session(
    session_id: Annotated[int, Path(gt=0, lt=2**31)], token: Token, _user: CurrentUser
) -> schemas.Message:
    """End one of the user's sessions (this token's too); anyone else's is 404."""
    try:
        ended = await run(
            sessions.end_own_session,
            token=token,
            session_id=session_id,
            settings=get_settings(),
            now=now(),
        )
    except sessions.SessionEnded:
        raise ApiError(401, "Invalid Token!") from None
    if not ended:
        raise ApiError(404, "Session not found.")
    return schemas.Message(message="Session ended.")
