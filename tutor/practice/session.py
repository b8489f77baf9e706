"""A practice session: walk a pack, bring weak items back, summarise per focus phone.

Pure Python (no Qt, no SQL): the caller passes past attempts in and records new results;
saving them is the progress store's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tutor.lessons.model import LessonItem, LessonPack
from tutor.progress.records import AttemptRecord, PhoneScore
from tutor.scoring.result import UtteranceResult

from .scheduler import PASS, attempt_quality, phone_means, plan

RETRY_GAP = 3  # a missed item comes back after this many other items
MAX_RETRIES = 2  # per item and session, so nobody is stuck on one sentence


def record_from_result(pack: str, item: str, result: UtteranceResult,
                       when: datetime | None = None) -> AttemptRecord:
    phones = tuple(PhoneScore(p.phone, p.score, w.text) for w in result.words for p in w.phones)
    return AttemptRecord(pack, item, when or datetime.now(UTC), result.total, phones)


@dataclass(frozen=True)
class PhoneProgress:
    phone: str
    attempts: int  # occurrences scored this session
    session_mean: float  # 0..2
    before_mean: float | None  # 0..2 over earlier sessions, None if never practised
    first: float  # this session's first and last attempt means
    last: float

    @property
    def change(self) -> float | None:
        """This session against earlier ones (positive = better)."""
        return None if self.before_mean is None else self.session_mean - self.before_mean


@dataclass(frozen=True)
class SessionSummary:
    pack: str
    attempted: int
    passed: int  # items whose last attempt this session passed
    to_review: tuple[str, ...]  # items to come back to
    phones: tuple[PhoneProgress, ...]  # focus phones, weakest first
    mean_total: float


@dataclass
class PracticeSession:
    """Walks ``pack``: due and weak items first, then new ones; misses come back."""

    pack: LessonPack
    history: Sequence[AttemptRecord] = ()
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    limit: int | None = None
    retry_gap: int = RETRY_GAP

    def __post_init__(self) -> None:
        self._focus = {i.id: i.focus_phones or self.pack.focus_phones for i in self.pack.items}
        ids = [i.id for i in self.pack.items]
        self.queue: list[str] = plan(ids, self._focus, self.history, self.now, self.limit)
        self.done: list[AttemptRecord] = []
        self._retries: dict[str, int] = defaultdict(int)

    @property
    def finished(self) -> bool:
        return not self.queue

    def current(self) -> LessonItem | None:
        return self.pack.item(self.queue[0]) if self.queue else None

    def remaining(self) -> int:
        return len(self.queue)

    def skip(self) -> None:
        """Move on without an attempt (the item is not rescheduled)."""
        if self.queue:
            self.queue.pop(0)

    def record(self, result: UtteranceResult | AttemptRecord,
               when: datetime | None = None) -> float:
        """Score the current item's attempt, move on, and return its quality (0..1)."""
        item = self.current()
        if item is None:
            raise RuntimeError("the session is finished")
        record = result if isinstance(result, AttemptRecord) else record_from_result(
            self.pack.id, item.id, result, when)
        quality = attempt_quality(record, self._focus[item.id])
        self.done.append(record)
        self.queue.pop(0)
        if quality < PASS and self._retries[item.id] < MAX_RETRIES:
            self._retries[item.id] += 1
            self.queue.insert(min(self.retry_gap, len(self.queue)), item.id)
        return quality

    def summary(self) -> SessionSummary:
        last: dict[str, AttemptRecord] = {}
        for r in self.done:
            last[r.item] = r
        passed = [i for i, r in last.items() if attempt_quality(r, self._focus[i]) >= PASS]
        to_review = tuple(i for i in last if i not in passed)
        focus = list(self.pack.all_focus_phones)
        phones = [p for p in (self._phone(ph) for ph in focus) if p is not None]
        phones.sort(key=lambda p: p.session_mean)
        mean_total = sum(r.total for r in self.done) / len(self.done) if self.done else 0.0
        return SessionSummary(self.pack.id, len(last), len(passed), to_review, tuple(phones),
                              mean_total)

    def _phone(self, phone: str) -> PhoneProgress | None:
        now = [phone_means(r)[phone] for r in self.done if phone in phone_means(r)]
        if not now:
            return None
        before = [p.score for r in self.history if r.pack == self.pack.id
                  for p in r.phones if p.phone == phone]
        count = sum(1 for r in self.done for p in r.phones if p.phone == phone)
        return PhoneProgress(phone, count, sum(now) / len(now),
                             sum(before) / len(before) if before else None, now[0], now[-1])
