"""The one result type: plain, versioned dataclasses that round-trip through JSON.

The GUI, the CLI and the progress store all consume :class:`UtteranceResult`; nothing
else about the engine leaks out of ``tutor.scoring``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .bands import PHONE_GOOD

RESULT_VERSION = 1


@dataclass(frozen=True)
class PhoneResult:
    """One expected phone, where it was found, and how well it was said."""

    phone: str  # canonical ARPAbet without stress, e.g. "TH"
    stress: int | None  # 0/1/2 for vowels, None for consonants
    start: float  # seconds from the start of the recording
    end: float
    score: float  # 0 (wrong or missing) .. 2 (correct), like the speechocean762 experts
    gop: float  # log posterior of the expected phone over its segment (LPP)
    heard: str  # the phone the model heard most (may equal ``phone``)
    mispronounced: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class WordResult:
    text: str  # the word as written in the prompt
    phones: tuple[PhoneResult, ...]
    start: float
    end: float
    accuracy: float  # 0..10
    stress: float  # 0..10
    total: float  # 0..10


@dataclass(frozen=True)
class UtteranceResult:
    text: str
    words: tuple[WordResult, ...]
    accuracy: float  # 0..10
    fluency: float  # 0..10
    completeness: float  # 0..10 (share of expected phones that were said)
    prosodic: float  # 0..10
    total: float  # 0..10
    duration: float  # seconds of audio scored
    model_version: str = ""
    warnings: tuple[str, ...] = ()
    version: int = RESULT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def phones(self) -> list[PhoneResult]:
        return [p for w in self.words for p in w.phones]

    def worst_phones(self, n: int = 3, below: float = PHONE_GOOD) -> list[PhoneResult]:
        """The ``n`` lowest-scoring phones that score under ``below`` (worst first); by
        default exactly the phones shown amber or red."""
        bad = [p for p in self.phones if p.score < below]
        return sorted(bad, key=lambda p: p.score)[:n]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UtteranceResult:
        version = data.get("version")
        if version != RESULT_VERSION:
            raise ValueError(f"result version {version!r} is not {RESULT_VERSION}")
        words = tuple(
            WordResult(
                **{k: v for k, v in w.items() if k != "phones"},
                phones=tuple(PhoneResult(**p) for p in w["phones"]),
            )
            for w in data["words"]
        )
        rest = {k: v for k, v in data.items() if k not in ("words", "warnings")}
        return cls(words=words, warnings=tuple(data.get("warnings", ())), **rest)

    @classmethod
    def from_json(cls, text: str) -> UtteranceResult:
        return cls.from_dict(json.loads(text))
