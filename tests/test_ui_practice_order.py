"""The app walks a pack in the practice scheduler's order: weak items first, new ones next,
items the learner already passed (not due yet) last."""

from __future__ import annotations

from pathlib import Path

from progress_helpers import make_result

from tutor.lessons.model import ItemType, LessonItem, LessonPack
from tutor.progress import ProgressStore
from tutor.ui.lesson_source import _item, practice_order


def _pack() -> LessonPack:
    items = tuple(
        LessonItem(id=i, text=t, type=ItemType.WORD, focus_phones=("TH",))
        for i, t in (("a", "think"), ("b", "three"), ("c", "think"))
    )
    return LessonPack(id="th-test", title="TH test", items=items)


def test_weak_items_come_first_and_passed_items_last(tmp_path: Path) -> None:
    pack = _pack()
    store = ProgressStore(tmp_path / "progress.sqlite3")
    store.record_attempt("default", pack.id, "a", make_result("think"))  # all phones 2.0
    store.record_attempt("default", pack.id, "b", make_result("three", {"TH": 0.2}))
    items = [_item(i, pack.id) for i in pack.items]
    order = [it.id for it in practice_order(pack, items, store, "default")]
    assert order == ["b", "c", "a"]


def test_without_history_the_pack_order_stays(tmp_path: Path) -> None:
    pack = _pack()
    store = ProgressStore(tmp_path / "progress.sqlite3")
    items = [_item(i, pack.id) for i in pack.items]
    assert [it.id for it in practice_order(pack, items, store, "default")] == ["a", "b", "c"]
