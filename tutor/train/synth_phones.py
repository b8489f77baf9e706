"""Phone sets of the speech engines (festival's radio and mrpa sets, espeak-ng's mnemonics)
and the conversions to and from CMU phones."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.scoring.phones import CMU_PHONES, SILENCE, split_stress

from .synth_items import SynthError

#: Festival "radio" phone set (its CMU lexicon; also flite's) -> CMU.  Syllabic and flapped
#: allophones map to their nearest CMU phone; silences to SIL.
RADIO_TO_CMU: dict[str, str] = {
    **{p.lower(): p for p in CMU_PHONES},
    "ax": "AH", "axr": "ER", "dx": "T", "el": "L", "em": "M", "en": "N", "nx": "N",
    "hv": "HH", "pau": SILENCE, "h#": SILENCE, "brth": SILENCE,
}  # fmt: skip

#: Festival "mrpa" (British, CSTR) phone set -> CMU, for voices using it.
MRPA_TO_CMU: dict[str, str] = {
    "uh": "AH", "e": "EH", "a": "AE", "o": "AA", "i": "IH", "u": "UH", "ii": "IY", "uu": "UW",
    "oo": "AO", "aa": "AA", "@@": "ER", "ai": "AY", "ei": "EY", "oi": "OY", "au": "AW",
    "ou": "OW", "e@": "EH", "i@": "IH", "u@": "UH", "@": "AH", "p": "P", "t": "T", "k": "K",
    "b": "B", "d": "D", "g": "G", "s": "S", "z": "Z", "sh": "SH", "zh": "ZH", "f": "F",
    "v": "V", "th": "TH", "dh": "DH", "ch": "CH", "jh": "JH", "h": "HH", "m": "M", "n": "N",
    "ng": "NG", "l": "L", "y": "Y", "r": "R", "w": "W", "#": SILENCE,
}  # fmt: skip

#: CMU -> espeak-ng English phoneme mnemonics (input side).
CMU_TO_ESPEAK: dict[str, str] = {
    "AA": "A:", "AE": "a", "AH": "V", "AO": "O:", "AW": "aU", "AY": "aI", "B": "b", "CH": "tS",
    "D": "d", "DH": "D", "EH": "E", "ER": "3:", "EY": "eI", "F": "f", "G": "g", "HH": "h",
    "IH": "I", "IY": "i:", "JH": "dZ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N",
    "OW": "oU", "OY": "OI", "P": "p", "R": "r", "S": "s", "SH": "S", "T": "t", "TH": "T",
    "UH": "U", "UW": "u:", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "Z",
}  # fmt: skip
#: Unstressed forms.  Plain "@" before an r merges with it into "3" (r-coloured schwa) in
#: en-us, so a schwa before R is written "@-" (a short schwa that espeak-ng keeps as is).
CMU_TO_ESPEAK_UNSTRESSED = {"AH": "@", "ER": "3"}
_SCHWA_BEFORE_R = "@-"

#: espeak-ng mnemonics (as printed by ``-x``) -> CMU.
ESPEAK_TO_CMU: dict[str, str] = {
    **{v: k for k, v in CMU_TO_ESPEAK.items()},
    "@": "AH", "@-": "AH", "@2": "AH", "@5": "AH", "@#": "AH", "3": "ER", "a#": "AE", "aa": "AE",
    "A@": "AA", "0": "AA", "I2": "IH", "I#": "IH", "i": "IY", "e@": "EH", "O@": "AO",
    "U@": "UH", "u": "UW", "t#": "T", "d#": "D", "z#": "Z", "l/": "L", "l/2": "L", "w#": "W",
    "n-": "N", "tS": "CH", "dZ": "JH", "o@": "OW", "oU#": "OW",
    "aI@": "AY", "aU@": "AW", "eI#": "EY",
}  # fmt: skip


def cmu_to_radio(phone: str) -> str:
    """``"AH0"`` -> ``"ax0"``; other phones lowercase with their stress digit."""
    base, stress = split_stress(phone)
    if base == "AH" and stress == 0:
        return "ax0"
    return base.lower() + ("" if stress is None else str(min(stress, 1)))


def cmu_to_espeak(words: Sequence[Sequence[str]]) -> str:
    """Words of CMU phones as espeak-ng phoneme input: stress marks before stressed vowels,
    words separated by spaces (wrap in ``[[...]]`` to speak it)."""
    flat = [p for w in words for p in w]
    out: list[str] = []
    k = 0
    for word in words:
        parts = []
        for phone in word:
            base, stress = split_stress(phone)
            following = split_stress(flat[k + 1])[0] if k + 1 < len(flat) else ""
            k += 1
            if base == "AH" and stress == 0 and following == "R":
                parts.append(_SCHWA_BEFORE_R)
            elif stress == 0 and base in CMU_TO_ESPEAK_UNSTRESSED:
                parts.append(CMU_TO_ESPEAK_UNSTRESSED[base])
            else:
                mark = {1: "'", 2: ","}.get(stress, "") if stress is not None else ""
                parts.append(mark + CMU_TO_ESPEAK[base])
        out.append("".join(parts))
    return " ".join(out)


def espeak_tokens_to_cmu(output: str, wanted: Sequence[str] = ()) -> list[str]:
    """Phonemes printed by ``espeak-ng -x --sep=_`` -> CMU base phones.

    Stress marks and diacritics (";" palatalised, "[" dental) are dropped; raises
    ``SynthError`` for a phoneme with no CMU counterpart.  British voices say an unstressed
    ER or AH as "a#" (a schwa-like vowel); where ``wanted`` (the requested phones) has ER or
    AH there, it counts as that phone.
    """
    tokens = []
    for token in re.split(r"[_\s]+", output):
        token = token.strip("',%=").rstrip(";[")
        if not token or set(token) <= set(":!|") or token == "r-":
            continue  # pauses, and the linking r ("far away"): part of the vowel before it
        if token not in ESPEAK_TO_CMU:
            raise SynthError(f"espeak-ng produced unmapped phoneme {token!r}")
        tokens.append(token)
    phones = [ESPEAK_TO_CMU[t] for t in tokens]
    if len(wanted) == len(phones):
        pairs = zip(tokens, phones, wanted, strict=True)
        phones = [w if t == "a#" and w in ("ER", "AH") else p for t, p, w in pairs]
    return phones
