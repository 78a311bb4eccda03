"""The shared rule for typed text: control characters are refused with a readable message."""

from __future__ import annotations

import pytest

from fintech_ui.errors import DomainError
from fintech_ui.text import ControlCharacterError, has_control_characters, refuse_control_characters


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
