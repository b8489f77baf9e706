"""One learner's results as they travel between laptops: plain, frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FORMAT = "tutor-class-results"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class PhoneMark:
    """One expected sound in one attempt: how it scored and what the model heard."""

    word: str
    phone: str  # ARPAbet without stress, e.g. "TH"
    ipa: str  # e.g. "θ"
    score: float  # 0 (wrong or missing) .. 2 (right)
    heard: str  # the ARPAbet phone heard most ("" when unknown)
    heard_ipa: str
    ok: bool  # score >= the "good" band (1.5)
    start: float = 0.0  # seconds into the recording
    end: float = 0.0


@dataclass(frozen=True)
class AttemptMark:
    when: datetime
    pack: str
    item: str
    text: str
    total: float  # 0..10
    accuracy: float
    fluency: float
    completeness: float
    prosodic: float
    passed: bool  # the practice scheduler's pass rule, with the item's focus sounds
    focus: tuple[str, ...]
    phones: tuple[PhoneMark, ...]
    audio: str | None = None  # relative to the learner's data folder, or None


@dataclass(frozen=True)
class LearnerResults:
    learner: str
    exported: datetime
    tutor_version: str
    attempts: tuple[AttemptMark, ...]
    source: str = ""  # the file it was read from
