"""Property-based fuzzing of every operation in the OpenAPI description: never a 5xx.

Schemathesis reads /openapi.json from the app in-process (ASGI, no server, no network) and
generates valid and invalid requests for each operation; the only check is that no answer is
a server error. Requests carry a live token so the protected operations are reached, a fresh
Idempotency-Key for checkout, and POST /logout gets a throwaway token of its own so it cannot
log the fuzzer out. Hypothesis runs derandomized with a fixed budget so CI is repeatable and
the whole file stays well under a minute.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from starlette.testclient import TestClient

from fintech_ui.api import api
from fintech_ui.db import session_scope
from fintech_ui.models import User
from fintech_ui.services import ledger
from fintech_ui.services.sessions import create_session
from fintech_ui.settings import get_settings

schema = schemathesis.openapi.from_asgi("/openapi.json", api)


@pytest.fixture(scope="module")
def fuzz_user_id() -> int:
    """A user with some money and a product in the cart, so deeper paths are reachable."""
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    password = f"Fuzz-Password-{uuid.uuid4().hex[:8]}"
    with TestClient(api) as client:
        registered = client.post("/register", json={"username": name, "password": password})
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["id"]
    with session_scope() as db:
        ledger.deposit(
            db,
            idempotency_key=uuid.uuid4().hex,
            user_id=user_id,
            amount_cents=500_000,
            now=int(time.time()),
        )
    return user_id


@pytest.fixture(scope="module")
def token_for(fuzz_user_id: int) -> Callable[[], str]:
    """`token_for()`: a new live session token of the fuzz user."""

    def _token() -> str:
        with session_scope() as db:
            user = db.get(User, fuzz_user_id)
            assert user is not None
            return create_session(db, user=user, settings=get_settings(), now=int(time.time()))

    return _token


@pytest.fixture(scope="module")
def token(token_for: Callable[[], str]) -> str:
    """The fuzz user's token for every operation but logout."""
    return token_for()


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(
    case: schemathesis.Case, token: str, token_for: Callable[[], str]
) -> None:
    is_logout = case.path == "/logout"
    headers = {"x-access-tokens": token_for() if is_logout else token}
    if case.path == "/checkout":
        headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4().hex}"

    case.call_and_validate(headers=headers, checks=[not_a_server_error])
