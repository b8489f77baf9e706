"""Lesson packs from the window: File › Import lesson pack…, a dropped .tutorpack, "open with",
the lesson editor saving into the learner's lessons, and File › Remove lesson pack…
(pytest-qt, offscreen)."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent
from ui_fakes import FakeScorer, starter_library

from tutor.cli import open_with
from tutor.core import Library, Progress, load_library
from tutor.lessons import (
    LessonItem,
    LessonPack,
    import_pack,
    write_manifest,
    write_pack_archive,
)
from tutor.recording import FakeBackend
from tutor.ui import pack_import, pack_remove
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.workers import ScoringService


def make_window(qtbot, tmp_path: Path) -> MainWindow:
    data = tmp_path / "data"
    empty = tmp_path / "no-builtin"
    empty.mkdir(exist_ok=True)

    def loader() -> Library:  # the starter packs, then what is installed in <data>/lessons
        installed = load_library(builtin=empty, installed=data / "lessons")
        return Library((*starter_library().packs, *installed.packs), installed.problems)

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(
        backend=FakeBackend(),
        library=loader(),
        settings=settings,
        data_dir=data,
        scorer_factory=FakeScorer,
        progress=Progress(),
        library_loader=loader,
    )
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window


def make_pack(tmp_path: Path, pack_id: str = "class-7b", title: str = "Class 7B") -> Path:
    folder = tmp_path / "src" / pack_id
    folder.mkdir(parents=True)
    items = (
        LessonItem(id="one", text="Think about it.", focus_phones=("TH",)),
        LessonItem(id="two", text="The red lorry.", focus_phones=("R", "L")),
    )
    write_manifest(LessonPack(id=pack_id, title=title, items=items), folder)
    return write_pack_archive(folder, tmp_path / f"{pack_id}.tutorpack")


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Records the dialogs instead of showing them (modal boxes would block the test)."""
    seen: dict[str, list] = {"warn": [], "confirm": []}
    monkeypatch.setattr(pack_import, "warn", lambda p, t, text: seen["warn"].append(text))

    def confirm(parent, title, text) -> bool:
        seen["confirm"].append(text)
        return True

    monkeypatch.setattr(pack_import, "confirm", confirm)
    return seen


def pack_ids(window: MainWindow) -> set[str]:
    return {item.pack_id for item in window.items}


def test_import_from_the_menu_shows_the_pack_at_once(qtbot, tmp_path: Path, dialogs) -> None:
    window = make_window(qtbot, tmp_path)
    archive = make_pack(tmp_path)
    assert "class-7b" not in pack_ids(window)
    assert window.import_action.text().replace("&", "").startswith("Import lesson pack")
    pack_import.import_pack_file(window, archive)
    qtbot.waitUntil(lambda: "class-7b" in pack_ids(window), timeout=10000)
    assert window.item is not None and window.item.pack_id == "class-7b"  # opened at its start
    assert (tmp_path / "data" / "lessons" / "class-7b" / "pack.toml").is_file()
    assert window.lessons.topLevelItemCount() == 3  # the tree shows the third pack
    assert "Imported 'Class 7B'" in window.statusBar().currentMessage()
    assert dialogs["warn"] == []

    # the same id again: asked, then replaced with the new version
    (tmp_path / "src").rename(tmp_path / "old-src")
    archive = make_pack(tmp_path, title="Class 7B, term 2")
    pack_import.import_pack_file(window, archive)
    qtbot.waitUntil(lambda: any(p.title == "Class 7B, term 2" for p in window.library.packs))
    assert len(dialogs["confirm"]) == 1 and "already installed" in dialogs["confirm"][0]


def test_a_bad_pack_is_refused_with_its_reason_and_nothing_changes(
    qtbot, tmp_path: Path, dialogs
) -> None:
    window = make_window(qtbot, tmp_path)
    before = [p.id for p in window.library.packs]
    bad = tmp_path / "bad.tutorpack"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("pack.toml", 'format = 1\nid = "Bad Id"\ntitle = ""\n')
    pack_import.import_pack_file(window, bad)
    qtbot.waitUntil(lambda: bool(dialogs["warn"]), timeout=10000)
    message = dialogs["warn"][0]
    assert "bad.tutorpack was not imported" in message and "Traceback" not in message
    assert "id" in message  # the validator's own words about the field
    assert [p.id for p in window.library.packs] == before
    lessons = tmp_path / "data" / "lessons"
    assert not lessons.exists() or [p.name for p in lessons.iterdir()] == []


def test_dropping_a_pack_imports_it(qtbot, tmp_path: Path, dialogs) -> None:
    window = make_window(qtbot, tmp_path)
    archive = make_pack(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(archive))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: "class-7b" in pack_ids(window), timeout=10000)
    assert window.take is None  # not mistaken for audio


def test_open_with_a_pack_starts_the_app_on_it() -> None:
    assert open_with(["/media/usb/class.tutorpack"]) == [
        "app",
        "--open",
        "/media/usb/class.tutorpack",
    ]
    assert open_with(["take.wav"]) == ["app", "--open", "take.wav"]
    assert open_with(["lesson", "list"]) == ["lesson", "list"]
    assert open_with(["--version"]) == ["--version"]


def test_the_editor_saves_a_new_pack_into_the_lessons(
    qtbot, tmp_path: Path, dialogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tutor.ui.window_dialogs import open_lesson_editor

    def no_dialog(*a, **k) -> str:
        raise AssertionError("asked for a folder although the lessons folder was known")

    warned: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", no_dialog)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    window = make_window(qtbot, tmp_path)
    open_lesson_editor(window)
    editor = window.lesson_editor
    assert editor is not None
    editor.title_edit.setText("My sounds")
    editor.id_edit.setText("my-sounds")
    editor.text_edit.setText("Think about it.")
    editor.text_edit.textEdited.emit("Think about it.")
    editor.item_focus_edit.setText("TH")
    editor.item_focus_edit.textEdited.emit("TH")
    assert editor.save(), warned
    assert (tmp_path / "data" / "lessons" / "my-sounds" / "pack.toml").is_file()
    assert "my-sounds" in pack_ids(window)  # in the tree at once


@pytest.fixture
def removal_dialogs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """File › Remove lesson pack…'s dialogs, answered: the first pack offered, then yes."""
    seen: dict[str, list] = {"offered": [], "confirm": [], "inform": [], "warn": []}

    def choose(parent, labels: list[str], current: int) -> int:
        seen["offered"].append(labels)
        return current

    def confirm(parent, title, text) -> bool:
        seen["confirm"].append(text)
        return True

    monkeypatch.setattr(pack_remove, "choose", choose)
    monkeypatch.setattr(pack_remove, "confirm", confirm)
    monkeypatch.setattr(pack_remove, "inform", lambda p, t, text: seen["inform"].append(text))
    monkeypatch.setattr(pack_remove, "warn", lambda p, t, text: seen["warn"].append(text))
    return seen


def file_menu_action(window: MainWindow, entry: str) -> QAction:
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    actions = {a.text(): a for a in menus["&File"].actions()}
    return actions[entry]


def test_remove_from_the_menu_offers_imported_packs_and_updates_the_list(
    qtbot, tmp_path: Path, removal_dialogs
) -> None:
    library = tmp_path / "data" / "lessons"
    import_pack(make_pack(tmp_path), library)
    window = make_window(qtbot, tmp_path)
    action = file_menu_action(window, "Re&move lesson pack…")  # Alt+F, M
    assert action is window.remove_pack_action
    window.select_item(next(n for n, it in enumerate(window.items) if it.pack_id == "class-7b"))

    action.trigger()
    qtbot.waitUntil(lambda: "class-7b" not in pack_ids(window), timeout=10000)
    assert removal_dialogs["offered"] == [["Class 7B (class-7b, 2 items)"]]  # no built-in one
    [question] = removal_dialogs["confirm"]
    assert "Remove Class 7B" in question and "importing the pack again brings" in question
    assert window.lessons.topLevelItemCount() == 2  # the starter packs stay
    assert window.item is not None and window.item.pack_id != "class-7b"
    assert "Removed 'Class 7B'" in window.statusBar().currentMessage()
    assert list(library.iterdir()) == [] and removal_dialogs["warn"] == []

    action.trigger()  # nothing imported now: says so, asks nothing
    assert len(removal_dialogs["inform"]) == 1 and "built-in packs" in removal_dialogs["inform"][0]
    assert len(removal_dialogs["offered"]) == 1


def test_a_failed_removal_is_explained_and_the_pack_stays(
    qtbot, tmp_path: Path, removal_dialogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "data" / "lessons"
    import_pack(make_pack(tmp_path), library)
    window = make_window(qtbot, tmp_path)

    def refused(self: Path, target: Path) -> Path:  # a read-only lessons folder
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "rename", refused)
    window.remove_pack_action.trigger()
    qtbot.waitUntil(lambda: bool(removal_dialogs["warn"]), timeout=10000)
    message = removal_dialogs["warn"][0]
    assert "Class 7B (class-7b, 2 items) was not removed" in message
    assert "you may not write in this folder" in message and "Traceback" not in message
    assert "class-7b" in pack_ids(window)
    assert "class-7b: not removed" in window.statusBar().currentMessage()
