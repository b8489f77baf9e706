"""Menu entries open the lesson editor and the progress view; the window fits the screen."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings
from ui_fakes import STARTER, FakeScorer, lesson_pack, starter_library

from tutor.core import Progress
from tutor.recording import FakeBackend
from tutor.ui.lesson_editor import LessonEditorDialog
from tutor.ui.main_window import MainWindow
from tutor.ui.progress_view import ProgressDialog
from tutor.ui.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_window(
    qtbot, tmp_path: Path, settings: Settings, progress: Progress | None = None, loader=None
) -> MainWindow:
    window = MainWindow(
        backend=FakeBackend(),
        library=starter_library(),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=FakeScorer,
        progress=progress or Progress(),
        library_loader=loader,
    )
    qtbot.addWidget(window)
    window.show()
    return window


def menu_action(window: MainWindow, menu_title: str, entry: str):
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    actions = {a.text().replace("&", ""): a for a in menus[menu_title].actions()}
    return actions[entry]


def test_lesson_editor_opens_and_a_save_reloads_the_lessons(qtbot, tmp_path, settings) -> None:
    new_pack = lesson_pack("mine", "My new pack", [("x1", "A new sentence.", ())])
    window = make_window(qtbot, tmp_path, settings, loader=lambda: starter_library(new_pack))
    before = window.lessons.topLevelItemCount()

    menu_action(window, "Lessons", "Lesson editor…").trigger()  # must not block (no exec)
    dialog = window.lesson_editor
    assert isinstance(dialog, LessonEditorDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)

    dialog.saved.emit(tmp_path / "pack")
    assert window.lessons.topLevelItemCount() == before + 1
    assert window.lessons.topLevelItem(before).text(0) == "My new pack"
    assert window.item is not None and window.item.id == next(iter(STARTER.values()))[1][0][0]
    dialog.reject()


def test_progress_opens_for_the_learner(qtbot, tmp_path, settings) -> None:
    progress = Progress.open(tmp_path / "progress.sqlite3")
    assert progress.store is not None
    window = make_window(qtbot, tmp_path, settings, progress=progress)

    menu_action(window, "Learner", "Progress…").trigger()
    dialog = window.progress_dialog
    assert isinstance(dialog, ProgressDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    dialog.reject()
    progress.store.close()


def test_progress_without_a_database_says_so(qtbot, tmp_path, settings) -> None:
    window = make_window(qtbot, tmp_path, settings)
    menu_action(window, "Learner", "Progress…").trigger()
    assert window.progress_dialog is None
    assert "No progress database" in window.statusBar().currentMessage()


def test_the_first_window_fits_the_screen(qtbot, tmp_path, settings) -> None:
    window = make_window(qtbot, tmp_path, settings)
    window.prompt.show_expected(
        [
            (w, ("AH0",))
            for w in "I thought this would be so easy to draw on a small screen".split()
        ],
        "arpabet",
        "#888",
    )
    qtbot.wait(50)
    least = window.minimumSizeHint()
    # a 1280x800 laptop (less a panel and the title bar) holds the window, long prompt or not
    assert least.width() <= 1280 - 40 and least.height() <= 800 - 70
    area = window.screen().availableGeometry()
    window.resize(4000, 3000)
    window.fit_to_screen()
    assert window.width() <= max(area.width(), least.width())
    assert window.height() <= max(area.height(), least.height())


def test_a_broken_pack_is_named_and_the_others_are_all_there(qtbot, tmp_path, settings) -> None:
    from tutor.core import Library, PackProblem

    starter = starter_library()
    broken = PackProblem("class-3", tmp_path / "class-3", "line 2: title: expected a string")
    window = MainWindow(
        backend=FakeBackend(),
        library=Library(starter.packs, (broken,)),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=FakeScorer,
        progress=Progress(),
    )
    qtbot.addWidget(window)
    assert "'class-3' could not be read" in window.statusBar().currentMessage()
    assert window.lessons.topLevelItemCount() == len(starter.packs)
    assert len(window.items) == sum(len(p.items) for p in starter.packs)
