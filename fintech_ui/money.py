"""Money as integer cents: parsing what people type and formatting what they read."""

from __future__ import annotations

import re

from fintech_ui.errors import DomainError
from fintech_ui.text import refuse_control_characters

# ASCII digits only; commas only as thousands separators ("1,234.56"), never as a decimal
# comma ("1,50" is refused, not read as 150).
_AMOUNT = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d{1,9})(?:\.(?P<frac>\d{1,2}))?", re.ASCII)


class MoneyError(DomainError):
    """Text that is not an amount of money; the message is safe to show."""


def parse_amount(text: object, *, min_cents: int, max_cents: int) -> int:
    """Cents from text like '12', '12.5' or '1,234.56' (at most two decimals), within bounds."""
    if not isinstance(text, str) or len(text) > 32:
        raise MoneyError("Enter an amount such as 25 or 25.50.")
    refuse_control_characters(text, field="Amount", error=MoneyError)
    cleaned = text.strip().removeprefix("$").strip()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise MoneyError("Enter an amount such as 25 or 25.50, with at most two decimals.")
    cents = int(match["whole"].replace(",", "")) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    if not min_cents <= cents <= max_cents:
        raise MoneyError(
            f"Enter an amount from {format_cents(min_cents)} to {format_cents(max_cents)}."
        )
    return cents


def format_cents(cents: int) -> str:
    """'$1,234.56' for 123456; negative amounts as '-$1.00'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"


def decimal_string(cents: int) -> str:
    """'1234.56' for 123456: exact, for CSV and JSON."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
