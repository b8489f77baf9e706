"""The class at a glance: per learner and per sound, who needs what and how it is going.

Pure functions over :class:`~tutor.classroom.records.LearnerResults`; the HTML and CSV
writers only format what :func:`summarise` computed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import fmean

from tutor.feedback.bands import PHONE_GOOD
from tutor.scoring.phones import to_ipa

from .records import AttemptMark, LearnerResults

TREND_MIN = 4  # occurrences needed before a trend is shown
TREND_STEP = 0.2  # a change of the mean (0..2 scale; 0..10 for totals / 5) worth naming
NEEDS_SHOWN = 5


def trend(values: Sequence[float]) -> float | None:
    """Mean of the later half minus mean of the earlier half (``None``: too few values)."""
    if len(values) < TREND_MIN:
        return None
    half = len(values) // 2
    return fmean(values[len(values) - half :]) - fmean(values[:half])


def trend_word(change: float | None, step: float = TREND_STEP) -> str:
    if change is None:
        return "too few to tell"
    if change >= step:
        return "improving"
    if change <= -step:
        return "slipping"
    return "steady"


@dataclass(frozen=True)
class SoundStat:
    phone: str
    ipa: str
    times: int  # occurrences over all attempts
    mean: float  # 0..2
    right_share: float  # share of occurrences scored "good" (>= 1.5)
    change: float | None  # later half minus earlier half
    heard_as: tuple[tuple[str, int], ...]  # what was heard instead, most often first

    @property
    def needs_work(self) -> bool:
        return self.mean < PHONE_GOOD

    @property
    def heard_as_text(self) -> str:
        return ", ".join(f"/{to_ipa(p)}/ {p} ×{n}" for p, n in self.heard_as[:2])


@dataclass(frozen=True)
class LearnerSummary:
    name: str
    attempts: tuple[AttemptMark, ...]  # oldest first, duplicates across files removed
    sounds: tuple[SoundStat, ...]  # weakest first
    sources: tuple[str, ...]

    @property
    def passed(self) -> int:
        return sum(a.passed for a in self.attempts)

    @property
    def mean_total(self) -> float | None:
        return fmean(a.total for a in self.attempts) if self.attempts else None

    @property
    def total_change(self) -> float | None:
        return trend([a.total for a in self.attempts])

    @property
    def needs(self) -> tuple[SoundStat, ...]:
        return tuple(s for s in self.sounds if s.needs_work)[:NEEDS_SHOWN]

    @property
    def first(self) -> datetime | None:
        return self.attempts[0].when if self.attempts else None

    @property
    def last(self) -> datetime | None:
        return self.attempts[-1].when if self.attempts else None

    def sound(self, phone: str) -> SoundStat | None:
        return next((s for s in self.sounds if s.phone == phone), None)


@dataclass(frozen=True)
class ClassSound:
    """One sound over the whole class, and the learners for whom it needs work."""

    stat: SoundStat
    learners: int  # learners who said it at all
    needing: tuple[tuple[str, float], ...]  # (learner, mean), weakest first


@dataclass(frozen=True)
class ClassSummary:
    learners: tuple[LearnerSummary, ...]
    sounds: tuple[ClassSound, ...]  # weakest first
    generated: datetime

    @property
    def attempts(self) -> int:
        return sum(len(lr.attempts) for lr in self.learners)


def sound_stats(attempts: Iterable[AttemptMark]) -> tuple[SoundStat, ...]:
    scores: dict[str, list[float]] = defaultdict(list)
    ipa: dict[str, str] = {}
    heard: dict[str, Counter[str]] = defaultdict(Counter)
    for attempt in attempts:
        for p in attempt.phones:
            scores[p.phone].append(p.score)
            ipa.setdefault(p.phone, to_ipa(p.phone))
            if not p.ok and p.heard and p.heard != p.phone:
                heard[p.phone][p.heard] += 1
    stats = [
        SoundStat(
            phone,
            ipa[phone],
            len(v),
            fmean(v),
            sum(s >= PHONE_GOOD for s in v) / len(v),
            trend(v),
            tuple(heard[phone].most_common(3)),
        )
        for phone, v in scores.items()
    ]
    return tuple(sorted(stats, key=lambda s: (s.mean, s.phone)))


def _merge(results: Sequence[LearnerResults]) -> list[tuple[str, list[AttemptMark], list[str]]]:
    """Files of the same learner (names compared case-blind) become one learner."""
    merged: dict[str, tuple[str, dict[tuple, AttemptMark], list[str]]] = {}
    for result in results:
        name, attempts, sources = merged.setdefault(
            result.learner.casefold(), (result.learner, {}, [])
        )
        sources.append(result.source)
        for a in result.attempts:  # the same attempt exported twice counts once
            attempts.setdefault((a.when, a.pack, a.item, a.total), a)
    return [
        (name, sorted(a.values(), key=lambda a: a.when), src) for name, a, src in merged.values()
    ]


def summarise(results: Sequence[LearnerResults], now: datetime | None = None) -> ClassSummary:
    learners = tuple(
        sorted(
            (
                LearnerSummary(name, tuple(attempts), sound_stats(attempts), tuple(sources))
                for name, attempts, sources in _merge(results)
            ),
            key=lambda lr: lr.name.casefold(),
        )
    )
    every = sorted((a for lr in learners for a in lr.attempts), key=lambda a: a.when)
    sounds = []
    for stat in sound_stats(every):
        per_learner = [(lr.name, s.mean) for lr in learners if (s := lr.sound(stat.phone))]
        needing = tuple(
            sorted(((n, m) for n, m in per_learner if m < PHONE_GOOD), key=lambda x: x[1])
        )
        sounds.append(ClassSound(stat, len(per_learner), needing))
    return ClassSummary(learners, tuple(sounds), now or datetime.now(UTC))
