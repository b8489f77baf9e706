"""Prompt text -> the words a learner is expected to say.

``normalize_text("Don't say 42, Zoë!")`` gives the words don't, say, forty, two, Zoë, each
with the text shown to the learner and an uppercase ASCII key for the pronunciation
lexicon (``DON'T``, ``SAY``, ``FORTY``, ``TWO``, ``ZOE``).  Rules:

* case and punctuation are dropped from the keys; curly apostrophes become ``'``;
* contractions and internal apostrophes stay in one word ("don't", "I'm", "o'clock");
  leading/trailing apostrophes are quotes and are dropped ("'hello'" -> hello);
* hyphens, dashes and slashes separate words ("well-known" -> well, known);
* numbers are spelled out (see ``spoken_numbers``); "&" is read "and";
* accents are removed from the key where that leaves ASCII letters (café -> CAFE);
  characters with no English reading (Chinese, Cyrillic...) are skipped with a note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import TextError
from .spoken_numbers import CURRENCIES, spell_number

#: Characters used as apostrophes (curly quotes, modifier letters, primes, backtick).
APOSTROPHES = "\u2019\u2018\u02bc\u02bb\u2032\u00b4`\uff07"
_APOSTROPHE_TABLE = str.maketrans({ch: "'" for ch in APOSTROPHES})

#: Latin letters that Unicode does not decompose into ASCII letter + accent.
_LATIN_FOLDS = {
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
    "ı": "i", "ŋ": "ng", "Ŋ": "NG",
}  # fmt: skip

_LETTER = r"[^\W\d_][\u0300-\u036f]*"  # a Unicode letter and any combining accents
_TOKEN = re.compile(
    rf"""
    (?P<currency>[{re.escape("".join(CURRENCIES))}])?
    (?P<number>[0-9]+(?:,[0-9]{{3}})*(?:\.[0-9]+)?)
    (?:(?P<suffix>st|nd|rd|th|'?s)(?!{_LETTER})|(?P<percent>%))?
    | (?P<word>(?:{_LETTER})+(?:'(?:{_LETTER})+)*)
    | (?P<ampersand>&)
    | (?P<other>[^\W_])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_EDGE_PUNCTUATION = "\"'()[]{}<>«»“”„‟‹›.,;:!?¡¿…*_~"


@dataclass(frozen=True)
class Word:
    """One word the learner should say."""

    text: str  # as displayed: "don't", "Zoë", "forty"
    key: str  # lexicon key: uppercase ASCII letters and apostrophes, "DON'T", "ZOE", "FORTY"
    source: str  # the written token it comes from: "don't", "Zoë!", "42"


@dataclass(frozen=True)
class NormalizedText:
    words: tuple[Word, ...]
    notes: tuple[str, ...] = ()  # things the learner may want to know (skipped characters)


def fold_to_ascii(word: str) -> tuple[str, str]:
    """Split a word into (its ASCII spelling, the characters that have none).

    "Zoë" -> ("Zoe", ""); "Straße" -> ("Strasse", ""); "Xiao明" -> ("Xiao", "明").
    Apostrophes are kept; combining accents are dropped.
    """
    kept: list[str] = []
    dropped: list[str] = []
    for ch in unicodedata.normalize("NFC", word.translate(_APOSTROPHE_TABLE)):
        if ch.isascii() and (ch.isalpha() or ch == "'"):
            kept.append(ch)
        elif unicodedata.combining(ch):
            continue
        elif ch in _LATIN_FOLDS:
            kept.append(_LATIN_FOLDS[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if base and base.isascii() and base.isalpha():
                kept.append(base)
            else:
                dropped.append(ch)
    return "".join(kept), "".join(dropped)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _skipped_note(chars: list[str]) -> str:
    unique = list(dict.fromkeys(chars))
    shown = " ".join(unique[:12]) + (" …" if len(unique) > 12 else "")
    return f"Skipped characters with no English reading: {shown}"


def normalize_text(text: str) -> NormalizedText:
    """Words to say, in order.  Raises ``TextError`` when there is nothing to pronounce."""
    if not isinstance(text, str):
        raise TextError(f"The prompt must be text, not {type(text).__name__}.")
    if not text.strip():
        raise TextError("The prompt is empty: type a word or sentence to practise.")

    # Map apostrophes before NFKC (which would turn the acute accent ´ into a combining mark).
    clean = unicodedata.normalize("NFKC", text.translate(_APOSTROPHE_TABLE))
    words: list[Word] = []
    skipped: list[str] = []
    for chunk in clean.split():
        source = chunk.strip(_EDGE_PUNCTUATION) or chunk
        for match in _TOKEN.finditer(chunk):
            if match["number"]:
                suffix = "%" if match["percent"] else (match["suffix"] or "").lstrip("'")
                spoken = spell_number(match["number"], currency=match["currency"], suffix=suffix)
                words.extend(Word(w, w.upper(), source) for w in spoken)
            elif match["word"]:
                ascii_word, no_reading = fold_to_ascii(match["word"])
                skipped.extend(no_reading)
                key = ascii_word.strip("'").upper()
                if key:
                    display = "".join(ch for ch in match["word"] if ch not in no_reading)
                    words.append(Word(display.strip("'"), key, source))
            elif match["ampersand"]:
                words.append(Word("and", "AND", source))
            else:
                skipped.append(match["other"])

    notes: tuple[str, ...] = (_skipped_note(skipped),) if skipped else ()
    if not words:
        shown = _shorten(text)
        if skipped:
            raise TextError(f"The prompt {shown!r} has no English words to pronounce. {notes[0]}.")
        raise TextError(
            f"The prompt {shown!r} has no words to pronounce: it needs letters or digits."
        )
    return NormalizedText(tuple(words), notes)


def to_words(text: str) -> list[Word]:
    """``normalize_text(text).words`` as a list (notes dropped)."""
    return list(normalize_text(text).words)
