"""Spaced repetition for lesson items, driven by phone-level results (pure: no Qt, no SQL).

Each item sits in a Leitner box. An attempt's *quality* is set by its weakest phone: a
focus phone said badly counts fully, any other phone counts a third as much. A good
attempt (quality >= :data:`PASS`) moves the item up a box, whose review interval doubles;
a poor one sends it back to box 0, due again at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tutor.progress.records import AttemptRecord
from tutor.scoring.bands import PHONE_GOOD

PASS = PHONE_GOOD / 2  # a focus phone averaging green (1.5 of 2, "mostly right") passes
OTHER_PHONE_WEIGHT = 1 / 3
INTERVALS = (
    timedelta(0),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=4),
    timedelta(days=8),
    timedelta(days=16),
)
TOP_BOX = len(INTERVALS) - 1


def phone_means(record: AttemptRecord) -> dict[str, float]:
    """Mean score (0..2) of each phone in one attempt."""
    sums: dict[str, list[float]] = defaultdict(list)
    for p in record.phones:
        sums[p.phone].append(p.score)
    return {phone: sum(v) / len(v) for phone, v in sums.items()}


def attempt_quality(record: AttemptRecord, focus: Iterable[str] = ()) -> float:
    """0 (a focus phone completely wrong) .. 1 (every phone right)."""
    means = phone_means(record)
    if not means:
        return max(0.0, min(1.0, record.total / 10))
    focus = set(focus)
    weakness = max(
        (1.0 if phone in focus or not focus else OTHER_PHONE_WEIGHT) * (2 - score) / 2
        for phone, score in means.items()
    )
    return max(0.0, min(1.0, 1 - weakness))


@dataclass(frozen=True)
class ItemState:
    item: str
    box: int = 0
    attempts: int = 0
    last_seen: datetime | None = None
    last_quality: float | None = None

    @property
    def is_new(self) -> bool:
        return self.attempts == 0

    def due(self) -> datetime | None:
        """When the item should come back (``None``: never tried, due now)."""
        if self.last_seen is None:
            return None
        return self.last_seen + INTERVALS[self.box]

    def is_due(self, now: datetime) -> bool:
        due = self.due()
        return due is None or due <= now


def update(state: ItemState, quality: float, when: datetime) -> ItemState:
    box = min(state.box + 1, TOP_BOX) if quality >= PASS else 0
    return ItemState(state.item, box, state.attempts + 1, when, quality)


def item_states(
    records: Iterable[AttemptRecord],
    focus: Mapping[str, Sequence[str]],
) -> dict[str, ItemState]:
    """Replay ``records`` (any order) into one state per item of ``focus``'s keys."""
    states = {item: ItemState(item) for item in focus}
    for record in sorted(records, key=lambda r: r.when):
        if record.item in states:
            quality = attempt_quality(record, focus[record.item])
            states[record.item] = update(states[record.item], quality, record.when)
    return states


def plan(
    items: Sequence[str],
    focus: Mapping[str, Sequence[str]],
    records: Iterable[AttemptRecord],
    now: datetime,
    limit: int | None = None,
) -> list[str]:
    """The items to practise now, most urgent first.

    Order: items due for review (weakest and lowest box first), then new items in pack
    order. Items not yet due are left out, unless nothing else is left, in which case the
    whole pack is walked again starting with the least secure items.
    """
    states = item_states(records, focus)
    order = {item: i for i, item in enumerate(items)}
    due = [s for s in states.values() if not s.is_new and s.is_due(now)]
    due.sort(key=lambda s: (s.box, s.last_quality or 0.0, order[s.item]))
    new = [item for item in items if states[item].is_new]
    chosen = [s.item for s in due] + new
    if not chosen:
        rest = sorted(states.values(), key=lambda s: (s.box, s.last_quality or 0.0, order[s.item]))
        chosen = [s.item for s in rest]
    return chosen[:limit] if limit else chosen
