"""Numbers as an English speaker reads them aloud: "42" -> forty two, "1999" -> nineteen
ninety nine, "3rd" -> third, "$5.50" -> five dollars and fifty cents, "50%" -> fifty percent.

Spelling is done by ``inflect``.  Importing inflect takes over a second (typeguard
instruments it at import time), so it is imported on first use; ``preload()`` lets a
background thread pay that cost before the first prompt with digits.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import inflect

#: currency symbol -> (unit, units, subunit, subunits)
CURRENCIES: dict[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
#: Longer digit strings (phone numbers, codes) are read digit by digit.
MAX_CARDINAL_DIGITS = 15

_engine: inflect.engine | None = None
_engine_lock = threading.Lock()
_SEPARATORS = re.compile(r"[\s,\-]+")
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def preload() -> None:
    """Import inflect now (slow, about 1-2 s) rather than on the first number."""
    _inflect()


def _inflect() -> inflect.engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            import inflect

            _engine = inflect.engine()
        return _engine


def _words(phrase: str) -> list[str]:
    return [w for w in _SEPARATORS.split(phrase) if w]


def _number_words(number: str) -> list[str]:
    """inflect's words for ``number`` ("105", "21st", "3.25"), without "and"."""
    spoken = _inflect().number_to_words(number, andword="")  # a list only with wantlist
    return _words(spoken if isinstance(spoken, str) else " ".join(spoken))


def _cardinal(number: str) -> list[str]:
    """American style, no "and": 105 -> one hundred five, 3.25 -> three point two five."""
    whole = number.split(".", 1)[0]
    if len(whole) > MAX_CARDINAL_DIGITS or (len(whole) > 1 and whole.startswith("0")):
        digits = [_DIGIT_NAMES[int(d)] for d in whole]
        if "." in number:
            digits += ["point", *(_DIGIT_NAMES[int(d)] for d in number.split(".", 1)[1])]
        return digits
    return _number_words(number)


def _year(value: int) -> list[str] | None:
    """Year-style reading for 1100-1999 and 2010-2099 (also how "1500 people" is said)."""
    if not (1100 <= value <= 1999 or 2010 <= value <= 2099):
        return None
    high, low = divmod(value, 100)
    head = _cardinal(str(high))
    if low == 0:
        return [*head, "hundred"]
    if low < 10:
        return [*head, "oh", *_cardinal(str(low))]
    return [*head, *_cardinal(str(low))]


def _money(number: str, symbol: str) -> list[str]:
    unit, units, subunit, subunits = CURRENCIES[symbol]
    whole, _, fraction = number.partition(".")
    if fraction and len(fraction) != 2:  # "$3.999": not a price, read the number
        return [*_cardinal(number), units]
    main = int(whole or "0")
    cents = int(fraction or "0")
    words: list[str] = []
    if main or not cents:
        words += [*_cardinal(str(main)), unit if main == 1 else units]
    if cents:
        if words:
            words.append("and")
        words += [*_cardinal(str(cents)), subunit if cents == 1 else subunits]
    return words


def spell_number(number: str, *, currency: str | None = None, suffix: str = "") -> list[str]:
    """Words for one written number.

    ``number``: ASCII digits with optional thousands commas and decimal part ("1,000.5").
    ``currency``: a key of ``CURRENCIES`` written before it.  ``suffix``: "st"/"nd"/"rd"/"th"
    (ordinal), "s" (decades: "1990s"), "%" or "".  Returns lowercase words.
    """
    plain = number.replace(",", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", plain):
        raise ValueError(f"{number!r} is not a written number")
    suffix = suffix.lower()
    is_integer = "." not in plain

    if currency is not None:
        if currency not in CURRENCIES:
            raise ValueError(f"unknown currency symbol {currency!r}")
        words = _money(plain, currency)
    elif suffix in ORDINAL_SUFFIXES and is_integer and len(plain) <= MAX_CARDINAL_DIGITS:
        words = _number_words(_inflect().ordinal(str(int(plain))))
    else:
        year = None
        if is_integer and "," not in number and len(plain) == 4:
            year = _year(int(plain))
        words = year or _cardinal(plain)
        if suffix == "s":  # 1990s -> nineteen nineties, 80s -> eighties
            words[-1] = _inflect().plural_noun(words[-1])
    if suffix == "%":
        words.append("percent")
    return words
