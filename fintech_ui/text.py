"""Plain-text rules free of any UI framework: no control characters in typed text; card teasers.

A NUL is refused by PostgreSQL's text type (a 500) and silently matches everything in a
SQLite LIKE; other control characters (line breaks, escapes, bidi-less C0/C1 codes) forge log
lines and confuse displays. Text inputs are checked here, before any rule of their own, so the
answer is always the same readable refusal.
"""

from __future__ import annotations

import unicodedata

from fintech_ui.errors import DomainError

# Cc: C0 and C1 controls, NUL and DEL included. Cs: lone surrogates, which cannot be encoded.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})


class ControlCharacterError(DomainError):
    """Typed text holds a control character; the message names the field."""


def has_control_characters(text: str) -> bool:
    """True when `text` holds a control character or a lone surrogate."""
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text)


def refuse_control_characters(
    text: str, *, field: str, error: type[DomainError] = ControlCharacterError
) -> str:
    """`text` unchanged, or `error` saying that `field` must not hold control characters."""
    if has_control_characters(text):
        raise error(f"{field} must not contain control characters.")
    return text


ELLIPSIS = "…"


def truncate_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word and marked with an ellipsis.

    A card shows a teaser; a word cut in half reads as a typo and hides that text is missing.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    # One very long word is cut inside it: the ellipsis still says text is missing.
    cut = cut[: cut.rindex(" ")] if " " in cut else cut[: limit - len(ELLIPSIS)]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS
