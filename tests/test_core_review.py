"""The review queue across packs (no Qt): items practised before and due now, most urgent
first; new items and items not due yet stay out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from progress_helpers import make_result

from tutor.core import Library, due_items, due_keys
from tutor.lessons.model import ItemType, LessonItem, LessonPack
from tutor.practice.session import record_from_result
from tutor.progress.records import AttemptRecord

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def pack(pack_id: str, *items: tuple[str, str]) -> LessonPack:
    return LessonPack(
        id=pack_id,
        title=pack_id.title(),
        focus_phones=("TH",),
        items=tuple(LessonItem(id=i, text=t, type=ItemType.WORD) for i, t in items),
    )


LIBRARY = Library(
    (
        pack("one", ("a", "think"), ("b", "three"), ("c", "think")),
        pack("two", ("x", "three"), ("y", "sheep")),
    )
)


def history(*rows: tuple[str, str, str, float, timedelta]) -> dict[str, list[AttemptRecord]]:
    """(pack, item, text, TH score, how long ago) -> each pack's records."""
    out: dict[str, list[AttemptRecord]] = {}
    for pack_id, item, text, th, ago in rows:
        result = make_result(text, {"TH": th})
        out.setdefault(pack_id, []).append(record_from_result(pack_id, item, result, NOW - ago))
    return out


def test_due_items_across_packs_most_urgent_first() -> None:
    records = history(
        ("one", "a", "think", 0.3, timedelta(hours=1)),  # missed: box 0, due at once
        ("one", "b", "three", 2.0, timedelta(days=3)),  # passed once: box 1, due after 1 day
        ("one", "c", "think", 2.0, timedelta(hours=2)),  # passed an hour ago: not due yet
        ("two", "x", "three", 0.9, timedelta(minutes=5)),  # missed, but less badly than "a"
    )
    queue = due_items(LIBRARY, lambda p: records.get(p, []), NOW)
    assert [d.entry.key for d in queue] == [("one", "a"), ("two", "x"), ("one", "b")]
    assert queue[0].box == 0 and queue[-1].box == 1
    assert ("two", "y") not in {d.entry.key for d in queue}  # never tried: new, not due
    assert due_keys(LIBRARY, lambda p: records.get(p, []), NOW) == {
        ("one", "a"),
        ("two", "x"),
        ("one", "b"),
    }


def test_nothing_due_without_history_or_before_its_time() -> None:
    assert due_items(LIBRARY, lambda p: [], NOW) == []
    records = history(("one", "b", "three", 2.0, timedelta(hours=3)))
    assert due_items(LIBRARY, lambda p: records.get(p, []), NOW) == []
    later = NOW + timedelta(days=1)
    assert [d.entry.key for d in due_items(LIBRARY, lambda p: records.get(p, []), later)] == [
        ("one", "b")
    ]
