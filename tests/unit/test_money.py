"""fintech_ui.money: what people type becomes exact cents; cents become readable text."""

from __future__ import annotations

import pytest

from fintech_ui.errors import DomainError
from fintech_ui.money import MoneyError, decimal_string, format_cents, parse_amount
from fintech_ui.services.ledger import MAX_DEPOSIT_CENTS, MIN_DEPOSIT_CENTS


def _parse(text: object) -> int:
    return parse_amount(text, min_cents=MIN_DEPOSIT_CENTS, max_cents=MAX_DEPOSIT_CENTS)


# --- parse_amount ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("25", 2500),
        ("25.5", 2550),
        ("25.50", 2550),
        ("1,234.56", 123456),
        ("$10", 1000),
        ("0.01", 1),
        ("10000.00", 1_000_000),
        ("10000", 1_000_000),
        (" 25 ", 2500),
        ("$1,000", 100000),
        ("9999.99", 999999),
    ],
)
def test_parse_amount_accepts_with_exact_cents(text, cents):
    assert _parse(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0.00",
        "0.001",
        "-5",
        "1e3",
        "abc",
        "",
        " ",
        "10000.01",
        "1.2.3",
        "25.",
        ".5",
        "$",
        "+5",
        "5 0",
        "1" * 40,
        "٣",  # ARABIC-INDIC DIGIT THREE
        "１０",  # FULLWIDTH DIGIT ONE, FULLWIDTH DIGIT ZERO
        "1٠",  # an ASCII digit followed by ARABIC-INDIC DIGIT ZERO
        "߁",  # NKO DIGIT ONE
    ],
)
def test_parse_amount_refuses_text_that_is_not_an_amount_in_range(text):
    with pytest.raises(MoneyError):
        _parse(text)


@pytest.mark.parametrize("value", [5, None, 12.5, b"25", ["25"], True])
def test_parse_amount_refuses_non_strings(value):
    with pytest.raises(MoneyError):
        _parse(value)


def test_parse_amount_error_for_out_of_range_names_the_bounds():
    with pytest.raises(MoneyError, match=r"\$0\.01 to \$10,000\.00"):
        _parse("10000.01")


def test_parse_amount_honours_custom_bounds():
    assert parse_amount("0", min_cents=0, max_cents=100) == 0
    with pytest.raises(MoneyError):
        parse_amount("1.01", min_cents=0, max_cents=100)


def test_money_error_is_a_value_error():
    assert issubclass(MoneyError, ValueError)


def test_money_error_is_a_domain_error():
    assert issubclass(MoneyError, DomainError)


@pytest.mark.parametrize("text", ["25\x00", "\x0025", "2\t5", "25\n"])
def test_parse_amount_names_control_characters(text):
    with pytest.raises(MoneyError, match="Amount must not contain control characters"):
        _parse(text)


# --- format_cents and decimal_string ---------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "$0.00"),
        (1, "$0.01"),
        (99, "$0.99"),
        (100, "$1.00"),
        (2550, "$25.50"),
        (123456, "$1,234.56"),
        (1_000_000, "$10,000.00"),
        (123_456_789_01, "$123,456,789.01"),
        (-1, "-$0.01"),
        (-100, "-$1.00"),
        (-123456, "-$1,234.56"),
    ],
)
def test_format_cents(cents, text):
    assert format_cents(cents) == text


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (100, "1.00"),
        (2550, "25.50"),
        (123456, "1234.56"),
        (1_000_000, "10000.00"),
        (-1, "-0.01"),
        (-123456, "-1234.56"),
    ],
)
def test_decimal_string(cents, text):
    assert decimal_string(cents) == text


@pytest.mark.parametrize("cents", [1, 99, 100, 2550, 123456, 1_000_000])
def test_parse_amount_reads_back_what_format_cents_writes(cents):
    assert _parse(format_cents(cents)) == cents
    assert _parse(decimal_string(cents)) == cents
