"""A sitting driven without Qt: the queue, missed items coming back, pass/fail messages,
the list's marks, the status line, Next, practising the missed items, and the progress the
sitting plans from (in memory and in the SQLite store)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from progress_helpers import make_result

from tutor.core import Mark, Progress, Sitting
from tutor.core.sitting import COMES_BACK, FOR_REVIEW, LAST_ONE, ONLY_ONE_LEFT, PASSED
from tutor.lessons.model import LessonItem, LessonPack

GOOD = make_result("think")
BAD_TH = make_result("think", {"TH": 0.2})


def drill() -> LessonPack:
    items = tuple(LessonItem(id=i, text="think", focus_phones=("TH",)) for i in "abcd")
    return LessonPack(id="drill", title="TH drill", items=items)


def other() -> LessonPack:
    return LessonPack(
        id="other", title="Other", items=(LessonItem(id="x", text="think", focus_phones=("TH",)),)
    )


def test_a_missed_item_comes_back_after_three_others_and_passes_are_marked() -> None:
    sitting = Sitting(Progress())
    pack = drill()
    assert sitting.show(("drill", "a"), pack) is None
    assert sitting.session is not None and sitting.session.queue == ["a", "b", "c", "d"]
    assert sitting.record(("drill", "a"), BAD_TH) == COMES_BACK
    assert sitting.session.queue == ["b", "c", "d", "a"]
    assert sitting.next_step().item == ("drill", "b")
    sitting.show(("drill", "b"), pack)
    assert sitting.record(("drill", "b"), GOOD) == PASSED
    keys = [("drill", i) for i in "abcd"]
    assert sitting.marks(keys) == {
        ("drill", "a"): Mark.AGAIN,
        ("drill", "b"): Mark.PASSED,
        ("drill", "c"): Mark.NONE,
        ("drill", "d"): Mark.NONE,
    }
    assert sitting.status() == "TH drill: 3 of 4 left · 1 passed · 1 missed"


def test_retries_run_out_then_the_item_is_for_review_and_the_summary_is_due() -> None:
    sitting = Sitting(Progress())
    pack = LessonPack(id="one", title="One", items=drill().items[:1])
    sitting.show(("one", "a"), pack)
    assert sitting.record(("one", "a"), BAD_TH) == COMES_BACK
    assert sitting.record(("one", "a"), BAD_TH) == COMES_BACK
    assert sitting.record(("one", "a"), BAD_TH) == LAST_ONE  # two retries per sitting
    assert sitting.marks([("one", "a")]) == {("one", "a"): Mark.REVIEW}
    assert sitting.next_step().kind == "summary"
    assert sitting.session is not None
    sitting.summary_shown(sitting.session)
    assert sitting.next_step().kind == "onward"  # seen: Next simply walks the list
    summary = sitting.session.summary()
    assert summary.to_review == ("a",) and summary.attempts == 3


def test_the_last_unscored_item_stays_with_a_message() -> None:
    sitting = Sitting(Progress())
    pack = LessonPack(id="one", title="One", items=drill().items[:1])
    sitting.show(("one", "a"), pack)
    step = sitting.next_step()
    assert (step.kind, step.item, step.message) == ("stay", ("one", "a"), ONLY_ONE_LEFT)


def test_next_without_a_take_puts_the_item_off() -> None:
    sitting = Sitting(Progress())
    sitting.show(("drill", "a"), drill())
    assert sitting.next_step().item == ("drill", "b")
    assert sitting.session is not None and sitting.session.queue == ["b", "c", "d", "a"]


def test_switching_packs_hands_back_the_sitting_whose_summary_is_due() -> None:
    sitting = Sitting(Progress())
    sitting.show(("drill", "a"), drill())
    first = sitting.session
    sitting.record(("drill", "a"), BAD_TH)
    assert sitting.show(("other", "x"), other()) is first
    assert sitting.session is not first and sitting.status() == "Other: 1 of 1 left · 0 passed"
    assert sitting.summary_session() is first  # on request: the sitting with attempts
    # nothing scored in "other": leaving it hands nothing back
    assert sitting.show(("drill", "b"), drill()) is None
    # the new drill sitting plans from the history: the missed item first
    assert sitting.session is not None and sitting.session.queue[0] == "a"
    # a result for a pack the learner left does not count in this sitting
    assert sitting.record(("other", "x"), GOOD) is None


def test_practise_the_missed_items_again() -> None:
    sitting = Sitting(Progress())
    pack = drill()
    sitting.show(("drill", "a"), pack)
    for item, result in zip("abcd", (BAD_TH, GOOD, GOOD, GOOD), strict=True):
        sitting.record(("drill", item), result)
    for _ in range(2):
        assert sitting.record(("drill", "a"), BAD_TH) in (COMES_BACK, LAST_ONE, FOR_REVIEW)
    assert sitting.practise_missed() == ("drill", "a")
    assert sitting.session is not None and [i.id for i in sitting.session.pack.items] == ["a"]
    keys = [("drill", i) for i in "abcd"]
    marks = sitting.marks(keys)
    assert marks[("drill", "a")] is Mark.NONE and marks[("drill", "b")] is Mark.RESTING
    assert sitting.record(("drill", "a"), GOOD) == LAST_ONE
    try:
        sitting.practise_missed()
    except ValueError:
        pass
    else:
        raise AssertionError("nothing was missed: practise_missed must refuse")


def test_reloaded_packs_keep_the_sitting_unless_its_items_changed() -> None:
    sitting = Sitting(Progress())
    pack = drill()
    sitting.show(("drill", "a"), pack)
    session = sitting.session
    sitting.packs_changed(lambda pack_id: pack if pack_id == "drill" else None)
    assert sitting.session is session
    smaller = LessonPack(id="drill", title="TH drill", items=pack.items[1:])
    sitting.packs_changed(lambda pack_id: smaller)
    assert sitting.session is not session and sitting.session is not None
    assert sitting.session.queue == ["b", "c", "d"]
    sitting.packs_changed(lambda pack_id: None)
    assert sitting.session is None and sitting.status() == ""


def test_progress_in_memory_and_in_the_store(tmp_path: Path) -> None:
    memory = Progress()
    memory.record("drill", "a", BAD_TH, None)
    assert [a.total for a in memory.attempts("drill", "a")] == [BAD_TH.total]
    assert [r.item for r in memory.records("drill")] == ["a"]
    stored = Progress.open(tmp_path / "progress.sqlite3")
    assert stored.store is not None and not stored.problem
    stored.record("drill", "a", GOOD, tmp_path / "a.wav")
    stored.switch_learner("Ana")
    assert stored.attempts("drill", "a") == [] and stored.records("drill") == []
    assert stored.learners() == ["Ana", "default"]
    stored.switch_learner("default")
    [attempt] = stored.attempts("drill", "a")
    assert attempt.audio_path == str(tmp_path / "a.wav") and attempt.learner == "default"
    stored.store.close()
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 100)
    fresh = Progress.open(broken)  # a damaged file is set aside (kept) and a new one started
    assert fresh.store is not None and "broken.sqlite3.damaged-" in fresh.problem
    assert [p.name for p in tmp_path.glob("broken.sqlite3.damaged-*")] != []
    not_a_folder = tmp_path / "a file"
    not_a_folder.write_text("not a folder")
    fallback = Progress.open(not_a_folder / "progress.sqlite3")
    assert fallback.store is None and "will not be saved" in fallback.problem
    fallback.record("drill", "a", GOOD, None)  # still kept, for this run
    assert len(fallback.attempts("drill", "a")) == 1
    assert "will not be saved" in fallback.last_error


def test_a_failed_save_is_kept_in_memory_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.progress.store import ProgressError, ProgressStore

    progress = Progress.open(tmp_path / "progress.sqlite3")
    assert progress.keeper is not None and progress.last_error == ""

    def full(*args: object, **kwargs: object) -> None:
        raise ProgressError("Progress not saved: the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(ProgressStore, "record_attempt", full)
        progress.record("drill", "a", BAD_TH, None)
    assert progress.last_error == "Progress not saved: the disk is full"
    assert [a.total for a in progress.attempts("drill", "a")] == [BAD_TH.total]  # kept
    assert [r.item for r in progress.records("drill")] == ["a"]
    progress.record("drill", "a", GOOD, None)  # saved again: the reason goes
    assert progress.last_error == ""
    assert progress.store is not None and len(progress.store.attempts("default")) == 1
    assert len(progress.attempts("drill", "a")) == 2


def test_the_core_imports_no_qt() -> None:
    core = Path(__file__).resolve().parent.parent / "tutor" / "core"
    for path in core.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not any(n.startswith(("PySide6", "tutor.ui")) for n in names), path


def test_importing_the_core_loads_no_qt() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys, tutor.core, tutor.core.sitting, tutor.core.library, tutor.core.progress; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == "[]"


def test_an_attempt_the_store_refuses_is_kept_for_this_run(tmp_path: Path) -> None:
    from tutor.progress.store import ProgressError

    progress = Progress.open(tmp_path / "progress.sqlite3")
    assert progress.store is not None
    progress.record("drill", "a", GOOD, None)

    def refuse(**_: object) -> None:
        raise ProgressError("database is locked")

    progress.store.record_attempt = refuse  # type: ignore[method-assign]
    progress.record("drill", "a", BAD_TH, None)
    assert [a.total for a in progress.attempts("drill", "a")] == [GOOD.total, BAD_TH.total]
    assert len(progress.records("drill")) == 2  # the sitting still plans from both
    progress.store.close()
