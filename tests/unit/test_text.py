"""Typed text: control characters refused with a readable message; card teasers cut at a word."""

from __future__ import annotations

import pytest

from fintech_ui.errors import DomainError
from fintech_ui.text import (
    ControlCharacterError,
    has_control_characters,
    refuse_control_characters,
    truncate_words,
)


@pytest.mark.parametrize(
    "text", ["\x00", "a\x00b", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"], ids=repr
)
def test_control_characters_and_lone_surrogates_are_found(text):
    assert has_control_characters(text)


@pytest.mark.parametrize(
    "text", ["", "gold", "名前", "Zoë", "a b", "\u200b", "😀", "%_\\"], ids=repr
)
def test_ordinary_text_passes_unchanged(text):
    assert refuse_control_characters(text, field="Search") == text


def test_refusal_names_the_field():
    with pytest.raises(
        ControlCharacterError, match=r"^Nickname must not contain control characters\.$"
    ):
        refuse_control_characters("bob\x00", field="Nickname")


def test_refusal_raises_the_callers_error_class():
    class SearchError(DomainError):
        pass

    with pytest.raises(SearchError):
        refuse_control_characters("\x00", field="Search", error=SearchError)


def test_control_character_error_is_a_domain_error():
    assert issubclass(ControlCharacterError, DomainError)


def test_short_text_is_unchanged():
    assert truncate_words("Physical gold, vaulted.", 40) == "Physical gold, vaulted."


def test_long_text_is_cut_after_a_whole_word_with_an_ellipsis():
    text = "A broad index fund holding the five hundred largest companies in America."
    short = truncate_words(text, 40)
    assert short.endswith("…")
    assert len(short) <= 40
    assert text.startswith(short[:-1])
    assert text[len(short) - 1] == " "  # the next character was a space: no half word


def test_punctuation_before_the_cut_is_dropped():
    assert truncate_words("Bonds, notes, bills and more besides", 15) == "Bonds, notes…"


def test_one_long_word_is_cut_within_the_limit():
    assert truncate_words("x" * 50, 10) == "x" * 9 + "…"


def test_whitespace_runs_collapse():
    assert truncate_words("a  b\n c", 20) == "a b c"
