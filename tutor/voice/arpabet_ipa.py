"""Piper's phonemes without espeak-ng: the prompt's expected ARPAbet (the scorer's own
lexicon: the CMU dictionary, g2p-en for unknown words, a pack's pronunciation overrides)
spelled the way espeak-ng writes US English IPA, which is what Piper voices were trained
on: the stress mark goes right before the stressed vowel (``θɹˈiː``), long vowels carry
``ː``, unstressed AH and ER are ``ə`` and ``ɚ``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tutor.scoring.phones import split_stress

_VOWELS: dict[str, tuple[str, str]] = {  # (stressed, unstressed)
    "AA": ("ɑː", "ɑː"), "AE": ("æ", "æ"), "AH": ("ʌ", "ə"), "AO": ("ɔː", "ɔː"),
    "AW": ("aʊ", "aʊ"), "AY": ("aɪ", "aɪ"), "EH": ("ɛ", "ɛ"), "ER": ("ɜː", "ɚ"),
    "EY": ("eɪ", "eɪ"), "IH": ("ɪ", "ɪ"), "IY": ("iː", "i"), "OW": ("oʊ", "oʊ"),
    "OY": ("ɔɪ", "ɔɪ"), "UH": ("ʊ", "ʊ"), "UW": ("uː", "u"),
}  # fmt: skip
_CONSONANTS: dict[str, str] = {
    "B": "b", "CH": "tʃ", "D": "d", "DH": "ð", "F": "f", "G": "ɡ", "HH": "h", "JH": "dʒ",
    "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ", "P": "p", "R": "ɹ", "S": "s",
    "SH": "ʃ", "T": "t", "TH": "θ", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}  # fmt: skip


def word_ipa(phones: Sequence[str]) -> str:
    """``("TH", "R", "IY1")`` -> ``"θɹˈiː"``."""
    out = []
    for token in phones:
        base, stress = split_stress(token)
        if base in _VOWELS:
            stressed, unstressed = _VOWELS[base]
            mark = {1: "ˈ", 2: "ˌ"}.get(stress if stress is not None else -1, "")
            out.append(mark + (stressed if stress in (1, 2) else unstressed))
        else:
            out.append(_CONSONANTS.get(base, ""))
    return "".join(out)


def lexicon_ipa(
    text: str, overrides: Mapping[str, str | Sequence[Sequence[str]]] | None = None
) -> str:
    """IPA words for ``text``, separated by spaces; ``""`` when it has nothing to say."""
    from tutor.scoring.errors import ScoringError
    from tutor.scoring.lexicon import pronounce

    try:
        words = pronounce(text, overrides)
    except (ScoringError, ValueError):  # nothing to pronounce (punctuation only, symbols)
        return ""
    return " ".join(word_ipa(w.phones) for w in words)
