"""Card teasers: cut at a word, marked with an ellipsis, never longer than asked."""

from fintech_ui.text import truncate_words


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
