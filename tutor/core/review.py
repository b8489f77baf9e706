"""The review queue across packs: the items a learner practised before whose spaced
repetition says they are due now (plain Python; the lesson list's "Review due" group and
its due badges draw what this says)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tutor.practice import item_states
from tutor.progress.records import AttemptRecord

from .library import Library, PackItem

Records = Callable[[str], Sequence[AttemptRecord]]  # a pack id -> the learner's attempts


@dataclass(frozen=True)
class DueItem:
    entry: PackItem
    due: datetime  # when it fell due
    box: int  # its Leitner box (0: missed last time)
    last_quality: float  # 0..1, its last attempt


def due_items(library: Library, records: Records, now: datetime | None = None) -> list[DueItem]:
    """Every item of ``library`` practised before and due for review at ``now``, across
    packs, most urgent first: lowest box, then weakest last attempt, then longest overdue.
    Items never tried are new, not due: they are not in the queue."""
    now = now or datetime.now(UTC)
    out: list[DueItem] = []
    for pack in library.packs:
        history = records(pack.id)
        if not history:
            continue
        focus = {i.id: i.focus_phones or pack.focus_phones for i in pack.items}
        states = item_states(history, focus)
        for item in pack.items:
            state = states[item.id]
            due = state.due()
            if state.is_new or due is None or due > now:
                continue
            out.append(DueItem(PackItem(pack, item), due, state.box, state.last_quality or 0.0))
    out.sort(key=lambda d: (d.box, d.last_quality, d.due))
    return out


def due_keys(
    library: Library, records: Records, now: datetime | None = None
) -> set[tuple[str, str]]:
    """The keys of :func:`due_items` (for the lesson list's badges)."""
    return {d.entry.key for d in due_items(library, records, now)}
