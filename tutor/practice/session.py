"""A practice session: walk a pack, bring weak items back, summarise per focus phone.

Pure Python (no Qt, no SQL): the caller passes past attempts in and records new results;
saving them is the progress store's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tutor.lessons.model import LessonItem, LessonPack
from tutor.progress.records import AttemptRecord, PhoneScore
from tutor.scoring.bands import PHONE_GOOD
from tutor.scoring.result import UtteranceResult

from .scheduler import PASS, attempt_quality, item_states, phone_means, plan

RETRY_GAP = 3  # a missed item comes back after this many other items
MAX_RETRIES = 2  # per item and session, so nobody is stuck on one sentence


def record_from_result(
    pack: str, item: str, result: UtteranceResult, when: datetime | None = None
) -> AttemptRecord:
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
    passed: tuple[str, ...] = ()  # items focusing on this phone whose last attempt passed
    to_review: tuple[str, ...] = ()  # ... and those whose last attempt did not
    next_due: datetime | None = None  # soonest the scheduler brings one of those items back

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
    phones: tuple[PhoneProgress, ...]  # focus phones and any weak one, weakest first
    mean_total: float
    attempts: int = 0  # scored attempts, retries included


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

    def defer(self) -> None:
        """Put the current item off to the end of the queue (no attempt recorded)."""
        if self.queue:
            self.queue.append(self.queue.pop(0))

    def record(
        self, result: UtteranceResult | AttemptRecord, when: datetime | None = None
    ) -> float:
        """Score the current item's attempt, move on, and return its quality (0..1)."""
        item = self.current()
        if item is None:
            raise RuntimeError("the session is finished")
        return self.record_item(item.id, result, when)

    def record_item(
        self, item_id: str, result: UtteranceResult | AttemptRecord, when: datetime | None = None
    ) -> float:
        """Score an attempt at any item of the pack (learners also practise out of order).

        The item leaves the queue; if the attempt missed, it comes back after
        ``retry_gap`` other items (at most :data:`MAX_RETRIES` times per session).
        """
        if item_id not in self._focus:
            raise KeyError(f"item {item_id!r} is not in pack {self.pack.id!r}")
        record = (
            result
            if isinstance(result, AttemptRecord)
            else record_from_result(self.pack.id, item_id, result, when)
        )
        quality = attempt_quality(record, self._focus[item_id])
        self.done.append(record)
        if item_id in self.queue:
            self.queue.remove(item_id)
        if quality < PASS and self._retries[item_id] < MAX_RETRIES:
            self._retries[item_id] += 1
            self.queue.insert(min(self.retry_gap, len(self.queue)), item_id)
        return quality

    def outcomes(self) -> dict[str, bool]:
        """Each item attempted this session (first attempt first): did its last attempt pass?"""
        last: dict[str, AttemptRecord] = {}
        for r in self.done:
            last[r.item] = r
        return {i: attempt_quality(r, self._focus[i]) >= PASS for i, r in last.items()}

    def review_missed(self, now: datetime | None = None) -> PracticeSession:
        """A new session over the items this one leaves to review, in the scheduler's order.

        This session's attempts become part of the new one's history.
        """
        missed = [i for i, ok in self.outcomes().items() if not ok]
        if not missed:
            raise ValueError("no missed items to practise again")
        keep = set(missed)
        pack = replace(self.pack, items=tuple(i for i in self.pack.items if i.id in keep))
        session = PracticeSession(
            pack,
            [*self.history, *self.done],
            now=now or datetime.now(UTC),
            retry_gap=self.retry_gap,
        )
        # every missed item is in, even one a skewed clock says is not due yet
        session.queue += [i for i in missed if i not in session.queue]
        return session

    def summary(self) -> SessionSummary:
        outcomes = self.outcomes()
        passed = [i for i, ok in outcomes.items() if ok]
        to_review = tuple(i for i, ok in outcomes.items() if not ok)
        records = [r for r in (*self.history, *self.done) if r.pack == self.pack.id]
        states = item_states(records, {i: self._focus[i] for i in outcomes})
        due = {i: s.due() for i, s in states.items()}
        sounds = [*self.pack.all_focus_phones, *self.weak_phones()]
        phones = [p for p in (self._phone(ph, outcomes, due) for ph in dict.fromkeys(sounds)) if p]
        phones.sort(key=lambda p: p.session_mean)
        mean_total = sum(r.total for r in self.done) / len(self.done) if self.done else 0.0
        return SessionSummary(
            self.pack.id,
            len(outcomes),
            len(passed),
            to_review,
            tuple(phones),
            mean_total,
            len(self.done),
        )

    def _of(self, item_id: str) -> list[AttemptRecord]:
        return [r for r in self.done if r.item == item_id]

    def weak_phones(self) -> list[str]:
        """Every sound of this sitting's attempts whose mean is under green
        (:data:`PHONE_GOOD`), focus sound or not: the real problem may be elsewhere."""
        scores: dict[str, list[float]] = defaultdict(list)
        for record in self.done:
            for phone, mean in phone_means(record).items():
                scores[phone].append(mean)
        return [ph for ph, v in scores.items() if sum(v) / len(v) < PHONE_GOOD]

    def _phone(
        self, phone: str, outcomes: dict[str, bool], due: dict[str, datetime | None]
    ) -> PhoneProgress | None:
        now = [phone_means(r)[phone] for r in self.done if phone in phone_means(r)]
        if not now:
            return None
        before = [
            p.score
            for r in self.history
            if r.pack == self.pack.id
            for p in r.phones
            if p.phone == phone
        ]
        count = sum(1 for r in self.done for p in r.phones if p.phone == phone)
        items = [i for i in outcomes if phone in self._focus[i]]
        if not any(phone in f for f in self._focus.values()):  # not a focus sound: where said
            items = [i for i in outcomes if any(phone in phone_means(r) for r in self._of(i))]
        dues = [d for i in items if (d := due.get(i)) is not None]
        return PhoneProgress(
            phone,
            count,
            sum(now) / len(now),
            sum(before) / len(before) if before else None,
            now[0],
            now[-1],
            passed=tuple(i for i in items if outcomes[i]),
            to_review=tuple(i for i in items if not outcomes[i]),
            next_due=min(dues, default=None),
        )
