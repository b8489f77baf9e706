"""What to fix next: the worst one to three phones of a result, each with its word and tip."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult

from .bands import Band, ten_band
from .tips import tip_for


@dataclass(frozen=True)
class PhoneAdvice:
    word: WordResult
    phone: PhoneResult
    tip: str

    @property
    def substituted(self) -> bool:
        """The model heard another phone in its place (not just a weak version of it)."""
        return self.phone.heard not in ("", self.phone.phone, "SIL")

    @property
    def missing(self) -> bool:
        return self.phone.heard == "SIL" or self.phone.duration <= 0.0


def advice(result: UtteranceResult, n: int = 3) -> list[PhoneAdvice]:
    """Up to ``n`` phones to work on, worst first: the amber and red phones; when there are
    none but a word as a whole scored under green, that word's weakest phone (so the panel
    never says every sound scored well beside an amber or red word). Empty only when every
    phone and every word scored well."""
    owner = {id(p): w for w in result.words for p in w.phones}
    phones = result.worst_phones(n)
    if not phones:
        weak_words = sorted(
            (w for w in result.words if w.phones and ten_band(w.accuracy) is not Band.GOOD),
            key=lambda w: w.accuracy,
        )
        phones = [min(w.phones, key=lambda p: p.score) for w in weak_words[:n]]
    return [
        PhoneAdvice(owner[id(p)], p, tip_for(p.phone, p.heard)) for p in phones if id(p) in owner
    ]
