"""Plain-text helpers for display, free of any UI framework."""

from __future__ import annotations

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
