"""Prompt text -> words: case, punctuation, numbers, contractions, hyphens, accents."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.scoring.errors import TextError
from tutor.scoring.spoken_numbers import spell_number
from tutor.scoring.text import fold_to_ascii, normalize_text, to_words


def keys(text: str) -> list[str]:
    return [w.key for w in to_words(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", "FORTY TWO"),
        ("7", "SEVEN"),
        ("105", "ONE HUNDRED FIVE"),
        ("1,000", "ONE THOUSAND"),
        ("12,345", "TWELVE THOUSAND THREE HUNDRED FORTY FIVE"),
        ("3.14", "THREE POINT ONE FOUR"),
        ("007", "ZERO ZERO SEVEN"),
        ("3rd", "THIRD"),
        ("21st", "TWENTY FIRST"),
        ("2ND", "SECOND"),
        ("1999", "NINETEEN NINETY NINE"),
        ("1905", "NINETEEN OH FIVE"),
        ("1900", "NINETEEN HUNDRED"),
        ("2000", "TWO THOUSAND"),
        ("2005", "TWO THOUSAND FIVE"),
        ("2024", "TWENTY TWENTY FOUR"),
        ("1990s", "NINETEEN NINETIES"),
        ("the 80’s", "THE EIGHTIES"),
        ("$5", "FIVE DOLLARS"),
        ("$1", "ONE DOLLAR"),
        ("$5.50", "FIVE DOLLARS AND FIFTY CENTS"),
        ("$0.01", "ONE CENT"),
        ("£20", "TWENTY POUNDS"),
        ("50%", "FIFTY PERCENT"),
        ("１２", "TWELVE"),  # full-width digits
    ],
)
def test_numbers_are_spelled_out(text: str, expected: str) -> None:
    assert keys(text) == expected.split()


def test_number_words_remember_their_written_token() -> None:
    words = to_words("I have 42 cats.")
    assert [(w.text, w.source) for w in words[2:4]] == [("forty", "42"), ("two", "42")]


def test_long_digit_strings_are_read_digit_by_digit() -> None:
    assert keys("1234567890123456") == (
        "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE ZERO ONE TWO THREE FOUR FIVE SIX".split()
    )


@pytest.mark.parametrize("bad", ["", "1.2.3", "abc", "-5"])
def test_spell_number_rejects_what_is_not_a_number(bad: str) -> None:
    with pytest.raises(ValueError, match="not a written number"):
        spell_number(bad)


def test_case_and_punctuation() -> None:
    words = to_words("Hello, WORLD!!! (Really?) ...yes; no: maybe.")
    assert [w.key for w in words] == ["HELLO", "WORLD", "REALLY", "YES", "NO", "MAYBE"]
    assert [w.text for w in words[:3]] == ["Hello", "WORLD", "Really"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("don't", ["DON'T"]),
        ("I'm here", ["I'M", "HERE"]),
        ("we'll see", ["WE'LL", "SEE"]),
        ("O'Brien's", ["O'BRIEN'S"]),
        ("don’t", ["DON'T"]),  # curly apostrophe
        ("I‘m", ["I'M"]),
        ("it`s", ["IT'S"]),
    ],
)
def test_contractions_stay_one_word(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_quotes_around_words_are_not_apostrophes() -> None:
    assert keys("'hello' “world” ‘quoted’ students' «bonjour»") == [
        "HELLO", "WORLD", "QUOTED", "STUDENTS", "BONJOUR",
    ]  # fmt: skip


def test_hyphens_and_dashes_separate_words() -> None:
    words = to_words("A well-known fact—really – or/and")
    assert [w.key for w in words] == ["A", "WELL", "KNOWN", "FACT", "REALLY", "OR", "AND"]
    assert [w.source for w in words[1:3]] == ["well-known", "well-known"]


def test_ampersand_is_and() -> None:
    assert keys("rock & roll") == ["ROCK", "AND", "ROLL"]


def test_accents_are_removed_from_keys_but_kept_for_display() -> None:
    words = to_words("Café naïve Zoë Straße résumé Ærø")
    assert [w.key for w in words] == ["CAFE", "NAIVE", "ZOE", "STRASSE", "RESUME", "AERO"]
    assert [w.text for w in words] == ["Café", "naïve", "Zoë", "Straße", "résumé", "Ærø"]


def test_decomposed_accents_are_handled_like_composed_ones() -> None:
    assert keys("cafe\u0301") == ["CAFE"]


def test_characters_without_english_reading_are_dropped_with_a_note() -> None:
    result = normalize_text("Hello 你好 Xiaoming, привет")
    assert [w.key for w in result.words] == ["HELLO", "XIAOMING"]
    assert len(result.notes) == 1
    assert "你" in result.notes[0] and "п" in result.notes[0]
    assert "no English reading" in result.notes[0]


def test_mixed_script_word_keeps_its_latin_part() -> None:
    (word,) = to_words("Xiao明")
    assert (word.text, word.key) == ("Xiao", "XIAO")


def test_plain_english_has_no_notes() -> None:
    assert normalize_text("Think about it.").notes == ()


def test_fold_to_ascii() -> None:
    assert fold_to_ascii("Zoë") == ("Zoe", "")
    assert fold_to_ascii("don’t") == ("don't", "")
    assert fold_to_ascii("Xiao明") == ("Xiao", "明")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("!!! ... ?", "needs letters or digits"),
        ("— “ ” —", "needs letters or digits"),
        ("你好", "no English words"),
    ],
)
def test_text_with_nothing_to_say_raises_text_error(text: str, message: str) -> None:
    with pytest.raises(TextError, match=message):
        normalize_text(text)


def test_non_string_prompt_raises_text_error() -> None:
    with pytest.raises(TextError, match="must be text"):
        normalize_text(None)  # type: ignore[arg-type]


def test_long_prompt_is_shortened_in_error_messages() -> None:
    with pytest.raises(TextError) as info:
        normalize_text("! " * 200)
    assert len(str(info.value)) < 200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_any_text_gives_clean_keys_or_a_text_error(text: str) -> None:
    try:
        result = normalize_text(text)
    except TextError as exc:
        assert str(exc)
        return
    assert result.words
    for word in result.words:
        assert re.fullmatch(r"[A-Z]+(?:'[A-Z]+)*", word.key), word
        assert word.text and word.source
