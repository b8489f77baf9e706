"""Sounds learners confuse: for each phone, the phones commonly said in its place.

One table serves the ``tutor bench --substitute`` check, the scoring head's
text-perturbation negatives in training, and the "heard as" prior: the phones here are the
ones a learner most likely said when an expected phone was not what came out. It covers
the contrasts the built-in lessons teach (TH/S/F/T, DH/D/Z, V/W/B, R/L, IY/IH, AE/EH,
UW/UH, N/NG, S/SH/Z, CH/SH), voicing pairs, and the vowel pairs Mandarin-L1 speakers mix.
"""

from __future__ import annotations

from .phones import CMU_PHONES, VOWELS, split_stress

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("TH", "S"), ("TH", "F"), ("TH", "T"), ("DH", "D"), ("DH", "Z"), ("DH", "V"), ("DH", "S"),
    ("V", "W"), ("V", "B"), ("W", "B"), ("R", "L"), ("L", "N"),
    ("IY", "IH"), ("AE", "EH"), ("UW", "UH"), ("N", "NG"), ("EH", "EY"),
    ("S", "SH"), ("S", "Z"), ("Z", "ZH"), ("SH", "ZH"), ("CH", "SH"), ("CH", "JH"),
    ("JH", "ZH"), ("CH", "T"),
    # voicing pairs (final devoicing included)
    ("P", "B"), ("T", "D"), ("K", "G"), ("F", "V"), ("TH", "DH"),
    # vowel pairs
    ("AA", "AH"), ("AA", "AO"), ("AO", "OW"), ("AH", "ER"), ("AE", "AA"), ("AH", "AE"),
    ("OW", "UW"), ("AY", "EY"), ("AW", "OW"), ("OY", "AO"), ("ER", "AA"), ("IH", "EH"),
    # other consonants learners swap
    ("HH", "F"), ("Y", "JH"), ("M", "N"), ("G", "NG"),
)  # fmt: skip


def _table() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {p: [] for p in CMU_PHONES}
    for a, b in _GROUPS:
        table[a].append(b)
        table[b].append(a)
    return {p: tuple(dict.fromkeys(v)) for p, v in table.items()}


#: canonical phone (no stress) -> phones learners say instead, most typical first.
CONFUSIONS: dict[str, tuple[str, ...]] = _table()


def confusable(phone: str) -> tuple[str, ...]:
    """The phones commonly said in place of ``phone`` (base ARPAbet, no stress)."""
    return CONFUSIONS.get(phone, ())


def swap_token(token: str, new: str) -> str:
    """``new`` in place of the ARPAbet ``token``: a vowel keeps the token's stress digit
    (primary stress when the token was a consonant); a consonant carries none."""
    _, stress = split_stress(token)
    if new in VOWELS:
        return new + str(stress if stress is not None else 1)
    return new
