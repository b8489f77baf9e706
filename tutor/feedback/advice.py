"""What to fix next: the worst one to three phones of a result, each with its word and tip."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult

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
    """Up to ``n`` phones to work on, worst first (empty when everything scored well)."""
    owner = {id(p): w for w in result.words for p in w.phones}
    return [
        PhoneAdvice(owner[id(p)], p, tip_for(p.phone, p.heard))
        for p in result.worst_phones(n)
        if id(p) in owner
    ]
