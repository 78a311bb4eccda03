"""AccountState's money handlers: deposits and the statement download.

`deposit` is browser-callable by name with any JSON as `form_data`. Only the form we render,
`{"amount": "<text>", "deposit_request_id": "<the form's key>"}` with an amount from $0.01 to
$10,000.00 and at most two decimals, may add money, and then exactly that many cents and one
ledger entry, once per key (this module's `handle` adds a fresh key to every dict form that
has none, so the tables below read as the amount alone). Everything else, and every
request without a live session, must leave the balance and the ledger untouched and say why.
`download_statement` hands out the ledger as CSV with exact decimal strings, to its owner only.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import time
import uuid

import pytest
from reflex.event import EventSpec
from sqlalchemy import func
from sqlmodel import col, select
from state_helpers import revoke, spec_args

from fintech_ui.db import session_scope
from fintech_ui.models import LedgerEntry
from fintech_ui.services import ledger
from fintech_ui.services.orders import checkout
from fintech_ui.state.account import AccountState
from fintech_ui.state.forms import INVALID_FORM

SHAPE = "Enter an amount such as 25 or 25.50."
FORMAT = "Enter an amount such as 25 or 25.50, with at most two decimals."
RANGE = "Enter an amount from $0.01 to $10,000.00."
SESSION_ENDED = "Your session has ended. Log in again."


def ledger_entries(user_id: int | None = None) -> list[tuple[str, int, int]]:
    """(kind, amount_cents, balance_after_cents) of the user's entries (everyone's if None)."""
    query = select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.balance_after_cents)
    if user_id is not None:
        query = query.where(LedgerEntry.user_id == user_id)
    with session_scope(read_only=True) as db:
        return [tuple(row) for row in db.exec(query.order_by(col(LedgerEntry.id))).all()]


def ledger_size() -> int:
    with session_scope(read_only=True) as db:
        return db.exec(select(func.count()).select_from(LedgerEntry)).one()


def downloaded_csv(spec: object) -> list[list[str]]:
    """The rows of the CSV file an `rx.download(data=...)` spec hands to the browser."""
    assert isinstance(spec, EventSpec), f"expected an EventSpec, got {spec!r}"
    url = spec_args(spec)["url"]
    prefix = "data:text/csv;base64,"
    assert url.startswith(prefix), url[:60]
    text = base64.b64decode(url.removeprefix(prefix)).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def handle(handle):
    """The shared `handle`, giving each deposit form without a key a fresh one."""

    def run(state, handler, **payload):
        form = payload.get("form_data")
        if handler is AccountState.deposit and isinstance(form, dict):
            payload["form_data"] = {"deposit_request_id": uuid.uuid4().hex, **form}
        return handle(state, handler, **payload)

    return run


@pytest.fixture
def depositor(new_account, open_session, cookie_for, make_state, shop):
    """(account, AccountState of a live session) for a user holding $10.00."""
    account = new_account()
    shop.deposit_cents(account.id, 1_000)
    state = make_state(AccountState, cookie=cookie_for(open_session(account)), url="/account")
    return account, state


# ---------------------------------------------------------------- valid deposits


def test_deposit_adds_the_amount_in_cents_to_the_balance(depositor, handle, shop):
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert shop.balance_cents(account.id) == 1_000 + 2_550


def test_deposit_records_one_ledger_entry_for_the_amount(depositor, handle):
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert ledger_entries(account.id)[1:] == [("deposit", 2_550, 3_550)]


def test_deposit_confirms_the_amount(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert state.deposit_message == "$25.50 added to your balance."


def test_deposit_sets_no_error(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert state.deposit_error == ""


def test_deposit_shows_the_new_balance(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert state.balance == "$35.50"


def test_deposit_shows_the_entry_on_the_statement(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert (state.statement[0].kind, state.statement[0].amount) == ("Deposit", "$25.50")


def test_deposit_clears_the_amount_field(depositor, handle):
    _account, state = depositor
    result = handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert isinstance(result, EventSpec) and spec_args(result) == {"ref": "ref_amount", "value": ""}


ACCEPTED = {
    "whole dollars": ("25", 2_500),
    "one decimal": ("25.5", 2_550),
    "dollar sign": ("$25.50", 2_550),
    "thousands separator": ("1,234.56", 123_456),
    "surrounding spaces": ("  25  ", 2_500),
    "minimum": ("0.01", 1),
    "maximum": ("10000.00", 1_000_000),
    "maximum with separator": ("$10,000", 1_000_000),
}


@pytest.mark.parametrize(("text", "cents"), ACCEPTED.values(), ids=ACCEPTED)
def test_deposit_accepts_the_amount_formats_people_type(depositor, handle, shop, text, cents):
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": text})
    assert shop.balance_cents(account.id) == 1_000 + cents


# ------------------------------------------------- one credit per form submission


def test_the_same_submission_twice_credits_once(depositor, handle, shop):
    # A double click or a replayed event carries the form's key again (issue 10, defect 6).
    account, state = depositor
    form = {"amount": "25.50", "deposit_request_id": "one-submission-key"}
    handle(state, AccountState.deposit, form_data=form)
    handle(state, AccountState.deposit, form_data=form)
    assert shop.balance_cents(account.id) == 1_000 + 2_550
    assert len(ledger_entries(account.id)) == 2


def test_a_replayed_submission_still_confirms_the_first_deposit(depositor, handle):
    _account, state = depositor
    form = {"amount": "25.50", "deposit_request_id": "one-submission-key"}
    handle(state, AccountState.deposit, form_data=form)
    handle(state, AccountState.deposit, form_data=form)
    assert (state.deposit_message, state.balance) == ("$25.50 added to your balance.", "$35.50")


def test_the_form_gets_a_new_key_after_each_deposit(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.load)
    first = state.deposit_request_id
    handle(state, AccountState.deposit, form_data={"amount": "1", "deposit_request_id": first})
    assert state.deposit_request_id not in ("", first)


def test_the_key_of_another_amount_is_refused(depositor, handle, shop):
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "1", "deposit_request_id": "k-1"})
    handle(state, AccountState.deposit, form_data={"amount": "2", "deposit_request_id": "k-1"})
    assert "already used" in state.deposit_error
    assert shop.balance_cents(account.id) == 1_000 + 100


def test_the_button_is_enabled_again_after_a_deposit(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "1"})
    assert state.depositing is False


@pytest.mark.parametrize("key", [5, None, "", "a b", "x" * 65, "ключ"], ids=repr)
def test_a_bad_key_credits_nothing(depositor, handle, shop, key):
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "1", "deposit_request_id": key})
    assert shop.balance_cents(account.id) == 1_000
    assert state.deposit_error


# -------------------------------------------------------------- hostile deposits

REFUSED: dict[str, tuple[object, str]] = {
    "form None": (None, INVALID_FORM),
    "form empty dict": ({}, INVALID_FORM),
    "form int": (25, INVALID_FORM),
    "form string": ("25", INVALID_FORM),
    "form list of pairs": ([["amount", "25"]], INVALID_FORM),
    "amount int": ({"amount": 25}, INVALID_FORM),
    "amount float": ({"amount": 25.5}, INVALID_FORM),
    "amount None": ({"amount": None}, INVALID_FORM),
    "amount bool": ({"amount": True}, INVALID_FORM),
    "amount list": ({"amount": ["25"]}, INVALID_FORM),
    "amount dict": ({"amount": {"value": "25"}}, INVALID_FORM),
    "field name in other case": ({"Amount": "25"}, INVALID_FORM),
    "extra user_id": ({"amount": "25", "user_id": 1}, INVALID_FORM),
    "extra is_admin": ({"amount": "25", "is_admin": True}, INVALID_FORM),
    "extra balance": ({"amount": "25", "balance_cents": 10**9}, INVALID_FORM),
    "zero": ({"amount": "0"}, RANGE),
    "zero cents": ({"amount": "0.00"}, RANGE),
    "over the maximum": ({"amount": "10000.01"}, RANGE),
    "nine digits": ({"amount": "999999999"}, RANGE),
    "negative": ({"amount": "-5"}, FORMAT),
    "negative after dollar sign": ({"amount": "$-5"}, FORMAT),
    "unicode minus": ({"amount": "−5"}, FORMAT),
    "plus sign": ({"amount": "+25"}, FORMAT),
    "exponent": ({"amount": "1e3"}, FORMAT),
    "hexadecimal": ({"amount": "0x10"}, FORMAT),
    "underscore digits": ({"amount": "1_000"}, FORMAT),
    "NaN": ({"amount": "NaN"}, FORMAT),
    "infinity": ({"amount": "inf"}, FORMAT),
    "word": ({"amount": "abc"}, FORMAT),
    "three decimals": ({"amount": "0.001"}, FORMAT),
    "two dots": ({"amount": "1.2.3"}, FORMAT),
    "trailing dot": ({"amount": "25."}, FORMAT),
    "leading dot": ({"amount": ".5"}, FORMAT),
    "currency word": ({"amount": "25 USD"}, FORMAT),
    "empty": ({"amount": ""}, FORMAT),
    "only spaces": ({"amount": "   "}, FORMAT),
    "ten digits": ({"amount": "1234567890"}, FORMAT),
    "33 characters": ({"amount": "1" * 33}, SHAPE),
    "2000 characters": ({"amount": "9" * 2_000}, INVALID_FORM),
    "1M characters": ({"amount": "9" * 1_000_000}, INVALID_FORM),
}


@pytest.mark.parametrize(("form_data", "message"), REFUSED.values(), ids=REFUSED)
def test_refused_deposit_explains_why(depositor, handle, form_data, message):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data=form_data)
    assert state.deposit_error == message


@pytest.mark.parametrize(("form_data", "message"), REFUSED.values(), ids=REFUSED)
def test_refused_deposit_keeps_the_balance(depositor, handle, shop, form_data, message):
    account, state = depositor
    handle(state, AccountState.deposit, form_data=form_data)
    assert shop.balance_cents(account.id) == 1_000


@pytest.mark.parametrize(("form_data", "message"), REFUSED.values(), ids=REFUSED)
def test_refused_deposit_writes_no_ledger_entry(depositor, handle, form_data, message):
    account, state = depositor
    handle(state, AccountState.deposit, form_data=form_data)
    assert len(ledger_entries(account.id)) == 1


@pytest.mark.parametrize(("form_data", "message"), REFUSED.values(), ids=REFUSED)
def test_refused_deposit_sets_no_success_message(depositor, handle, form_data, message):
    _account, state = depositor
    handle(state, AccountState.deposit, form_data=form_data)
    assert state.deposit_message == ""


def test_deposit_refuses_a_decimal_comma_instead_of_reading_it_as_thousands(
    depositor, handle, shop
):
    # "1,50" is one and a half in much of the world; the parser drops every comma and would
    # credit $150.00. Only groups of three digits are thousands separators.
    account, state = depositor
    handle(state, AccountState.deposit, form_data={"amount": "1,50"})
    assert shop.balance_cents(account.id) == 1_000


def test_deposit_with_an_extra_argument_raises_type_error_at_the_call(depositor, handle):
    _account, state = depositor
    with pytest.raises(TypeError):
        handle(state, AccountState.deposit, form_data={"amount": "25"}, user_id=1)


# ----------------------------------------------------------- deposits: no session


def test_deposit_without_session_says_the_session_ended(make_state, handle):
    state = make_state(AccountState, url="/account")
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert state.deposit_error == SESSION_ENDED


def test_deposit_without_session_writes_no_ledger_entry(make_state, handle):
    state = make_state(AccountState, url="/account")
    before = ledger_size()
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert ledger_size() == before


@pytest.fixture
def revoked(new_account, open_session, cookie_for, make_state, shop):
    """(account, AccountState) of a user holding $10.00 whose session was revoked."""
    account = new_account()
    shop.deposit_cents(account.id, 1_000)
    token = open_session(account)
    state = make_state(AccountState, cookie=cookie_for(token), url="/account")
    revoke(token)
    return account, state


def test_deposit_with_revoked_session_says_the_session_ended(revoked, handle):
    _account, state = revoked
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert state.deposit_error == SESSION_ENDED


def test_deposit_with_revoked_session_keeps_the_balance(revoked, handle, shop):
    account, state = revoked
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert shop.balance_cents(account.id) == 1_000


def test_deposit_with_revoked_session_clears_the_shown_account(revoked, handle):
    _account, state = revoked
    state.balance, state.account_name = "$10.00", "someone"
    handle(state, AccountState.deposit, form_data={"amount": "25.50"})
    assert (state.balance, state.account_name) == ("", "")


# ------------------------------------------------------------ statement download


def test_download_statement_without_session_returns_nothing(make_state, handle):
    state = make_state(AccountState, url="/account")
    assert handle(state, AccountState.download_statement) is None


def test_download_statement_with_revoked_session_returns_nothing(revoked, handle):
    _account, state = revoked
    assert handle(state, AccountState.download_statement) is None


@pytest.fixture
def statement_rows(new_account, open_session, cookie_for, make_state, handle, shop):
    """The downloaded CSV rows of a user who deposited $1,000.10 and $0.07, then spent $12.50."""
    account = new_account()
    state = make_state(AccountState, cookie=cookie_for(open_session(account)), url="/account")
    handle(state, AccountState.deposit, form_data={"amount": "1,000.10"})
    handle(state, AccountState.deposit, form_data={"amount": "0.07"})
    product = shop.insert_item(price_cents=1_250)
    shop.put_in_cart(account.id, product.id, 1)
    order = checkout(
        session_scope, user_id=account.id, idempotency_key="k" * 16, now=int(time.time())
    )
    result = handle(state, AccountState.download_statement)
    return order.id, result


def test_download_statement_is_a_csv_download(statement_rows):
    _order_id, result = statement_rows
    assert spec_args(result)["filename"] == "fintech-statement.csv"


def test_download_statement_starts_with_the_header(statement_rows):
    _order_id, result = statement_rows
    assert downloaded_csv(result)[0] == ["date", "type", "order", "amount", "balance"]


def test_download_statement_has_exact_decimal_amounts_oldest_first(statement_rows):
    order_id, result = statement_rows
    assert [row[1:] for row in downloaded_csv(result)[1:]] == [
        ["deposit", "", "1000.10", "1000.10"],
        ["deposit", "", "0.07", "1000.17"],
        ["purchase", str(order_id), "-12.50", "987.67"],
    ]


def test_download_statement_dates_are_iso_8601_with_their_time_zone(statement_rows):
    _order_id, result = statement_rows
    dates = [row[0] for row in downloaded_csv(result)[1:]]
    assert dates
    for date in dates:
        parsed = dt.datetime.fromisoformat(date)  # "…Z" names UTC; a naive time would fail below
        assert parsed.utcoffset() == dt.timedelta(0)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date)


def test_download_statement_holds_only_the_owners_entries(
    new_account, open_session, cookie_for, make_state, handle, shop
):
    owner, other = new_account(), new_account()
    shop.deposit_cents(other.id, 777)
    shop.deposit_cents(owner.id, 100)
    state = make_state(AccountState, cookie=cookie_for(open_session(owner)), url="/account")
    rows = downloaded_csv(handle(state, AccountState.download_statement))
    assert [row[3] for row in rows[1:]] == ["1.00"]


# ------------------------------------------------- a capped statement says so (defect 17)


def test_capped_statement_keeps_the_newest_rows_and_says_so(depositor, handle, monkeypatch):
    _account, state = depositor
    for amount in ("1", "2", "3"):
        handle(state, AccountState.deposit, form_data={"amount": amount})
    monkeypatch.setattr(ledger, "EXPORT_ROWS", 2)
    rows = downloaded_csv(handle(state, AccountState.download_statement))
    assert [row[3] for row in rows[1:]] == ["2.00", "3.00"]
    assert "newest 2 entries only" in state.export_message


def test_whole_statement_says_nothing_about_a_cap(depositor, handle):
    _account, state = depositor
    handle(state, AccountState.download_statement)
    assert state.export_message == ""
