"""The balance, the statement and simulated deposits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from fintech_ui.api import schemas
from fintech_ui.api.deps import CurrentUser, parsed
from fintech_ui.db import now, run
from fintech_ui.money import parse_amount
from fintech_ui.services import ledger

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
