"""Strict checking of form payloads, which arrive from the browser as arbitrary JSON."""

from __future__ import annotations

from fintech_ui.errors import DomainError

MAX_FIELD_CHARS = 1024
INVALID_FORM = "The form was not understood. Reload the page and try again."


class FormError(DomainError):
    """The payload is not the form we rendered; the message is safe to show."""


def form_fields(form_data: object, names: tuple[str, ...]) -> dict[str, str]:
    """The named text fields, exactly those and no others, each at most MAX_FIELD_CHARS."""
    if not isinstance(form_data, dict) or set(form_data) != set(names):
        raise FormError(INVALID_FORM)
    values = {name: form_data[name] for name in names}
    for value in values.values():
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
            raise FormError(INVALID_FORM)
    return values
