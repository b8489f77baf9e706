"""The core's lesson library (built-in and installed packs, broken ones reported by name)
and the practice order of a pack's items. No Qt here."""

from __future__ import annotations

from pathlib import Path

from progress_helpers import make_result

from tutor.core import load_library, practice_order
from tutor.lessons.model import ItemType, LessonItem, LessonPack
from tutor.lessons.writer import write_manifest
from tutor.progress import ProgressStore


def _pack(pack_id: str = "th-test", title: str = "TH test") -> LessonPack:
    items = tuple(
        LessonItem(id=i, text=t, type=ItemType.WORD, focus_phones=("TH",))
        for i, t in (("a", "think"), ("b", "three"), ("c", "think"))
    )
    return LessonPack(id=pack_id, title=title, items=items)


def test_weak_items_come_first_and_passed_items_last(tmp_path: Path) -> None:
    pack = _pack()
    store = ProgressStore(tmp_path / "progress.sqlite3")
    store.record_attempt("default", pack.id, "a", make_result("think"))  # all phones 2.0
    store.record_attempt("default", pack.id, "b", make_result("three", {"TH": 0.2}))
    ordered = practice_order(pack, store.attempt_records("default", pack.id))
    assert [it.id for it in ordered.items] == ["b", "c", "a"]
    assert ordered.id == pack.id and ordered.title == pack.title
    store.close()


def test_without_history_the_pack_order_stays() -> None:
    assert [it.id for it in practice_order(_pack(), []).items] == ["a", "b", "c"]


def test_a_broken_pack_is_reported_by_name_and_hides_nothing(tmp_path: Path) -> None:
    builtin, installed = tmp_path / "builtin", tmp_path / "installed"
    write_manifest(_pack("basics", "Basics"), builtin / "basics")
    write_manifest(_pack("mine", "Mine"), installed / "mine")
    broken = installed / "class-3"
    broken.mkdir(parents=True)
    (broken / "pack.toml").write_text('id = "class-3"\ntitle = \n', encoding="utf-8")
    library = load_library(builtin, installed)
    assert [p.id for p in library.packs] == ["basics", "mine"]
    assert [p.name for p in library.problems] == ["class-3"]
    assert "class-3" in str(library.problems[0])
    # every item of the readable packs, in order, with its pack
    assert [e.key for e in library.entries()][:2] == [("basics", "a"), ("basics", "b")]
    assert library.pack("mine") is library.packs[1] and library.pack("class-3") is None
    assert library.problem_summary().startswith("The lesson pack 'class-3' could not be read")
    (installed / "y8").mkdir()
    (installed / "y8" / "pack.toml").write_text("format = 1\n", encoding="utf-8")
    again = load_library(builtin, installed)
    assert [p.id for p in again.packs] == ["basics", "mine"]
    assert again.problem_summary().startswith("2 lesson packs could not be read ('class-3', 'y8')")


def test_an_installed_pack_never_replaces_a_built_in_one(tmp_path: Path) -> None:
    builtin, installed = tmp_path / "builtin", tmp_path / "installed"
    write_manifest(_pack("basics", "Basics"), builtin / "basics")
    write_manifest(_pack("basics", "Impostor"), installed / "copy")
    library = load_library(builtin, installed)
    assert [p.title for p in library.packs] == ["Basics"]
    assert [p.name for p in library.problems] == ["copy"]


def test_the_shipped_curriculum_loads_without_problems(tmp_path: Path) -> None:
    library = load_library(installed=tmp_path)
    assert library.packs and not library.problems
