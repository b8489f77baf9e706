"""The phone set: the 39 CMU (ARPAbet) phones plus silence, and their IPA spellings."""

from __future__ import annotations

SILENCE = "SIL"

CMU_PHONES: tuple[str, ...] = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G",
    "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T",
    "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
)  # fmt: skip

#: Model output order: index 0 is silence, then the CMU phones in alphabetical order.
PHONE_SET: tuple[str, ...] = (SILENCE, *CMU_PHONES)
PHONE_INDEX: dict[str, int] = {p: i for i, p in enumerate(PHONE_SET)}

VOWELS = frozenset(
    {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
)

IPA: dict[str, str] = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ",
    "D": "d", "DH": "ð", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h",
    "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ",
    "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ",
    "UH": "ʊ", "UW": "u", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ", SILENCE: "",
}  # fmt: skip


def split_stress(phone: str) -> tuple[str, int | None]:
    """Split an ARPAbet token such as ``"AH0"`` into ``("AH", 0)``; consonants get ``None``."""
    token = phone.strip().upper()
    if token and token[-1].isdigit():
        return token[:-1], int(token[-1])
    return token, None


def base_phone(phone: str) -> str:
    """``"IY1"`` -> ``"IY"``; raises ``ValueError`` for anything outside the CMU set."""
    base, _ = split_stress(phone)
    if base not in PHONE_INDEX or base == SILENCE:
        raise ValueError(f"{phone!r} is not an ARPAbet phone of the CMU set")
    return base


def to_ipa(phone: str) -> str:
    """IPA spelling of an ARPAbet phone (stress marks dropped; unstressed AH is schwa)."""
    base, stress = split_stress(phone)
    if base == "AH" and stress == 0:
        return "ə"
    if base == "ER" and stress == 0:
        return "ɚ"
    return IPA.get(base, base.lower())
