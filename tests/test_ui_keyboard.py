"""Everything of the classroom and practice loop is reachable by keyboard: each action is in a
menu with its own mnemonic and (where it is used while practising) a shortcut; W compares
the words of a take one by one, A goes to the earlier attempts (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from ui_fakes import espeak_wav, fake_window

from tutor.recording import FakeBackend
from tutor.ui.main_window import MainWindow
from tutor.voice import Speech

#: menu, entry (without "&"), shortcut ("" = in the menu only)
REACHABLE = [
    ("File", "Import lesson pack…", "Ctrl+I"),
    ("Learner", "Switch learner…", "Ctrl+L"),
    ("Learner", "Progress…", "Ctrl+H"),  # opens on the all-sounds overview
    ("Practice", "Review due", "Ctrl+D"),
    ("Practice", "Search lessons", "Ctrl+F"),
    ("Practice", "Session summary…", "S"),
    ("Practice", "Hear the model slowly", "Shift+F"),
    ("Practice", "Replay my recording slowly", "Shift+R"),
    ("Practice", "Compare the next word (mine, then the model)", "W"),
    ("Practice", "Earlier attempts (Enter shows one)", "A"),
    ("Lessons", "Lesson editor…", "Ctrl+E"),
    ("Help", "About Tutor…", "F1"),
    ("Help", "Welcome…", ""),
]


def make_window(qtbot, tmp_path: Path, backend: FakeBackend | None = None) -> MainWindow:
    return fake_window(qtbot, tmp_path, backend=backend)


def menus(window: MainWindow) -> dict[str, list[QAction]]:
    return {
        a.text().replace("&", ""): [x for x in a.menu().actions() if not x.isSeparator()]
        for a in window.menuBar().actions()
    }


def mnemonic(text: str) -> str:
    at = text.find("&")
    return text[at + 1].lower() if 0 <= at < len(text) - 1 else ""


@pytest.mark.parametrize(("menu", "entry", "keys"), REACHABLE)
def test_each_feature_is_in_a_menu_with_its_shortcut(
    qtbot, tmp_path: Path, menu: str, entry: str, keys: str
) -> None:
    window = make_window(qtbot, tmp_path)
    actions = {a.text().replace("&", ""): a for a in menus(window)[menu]}
    assert entry in actions, sorted(actions)
    action = actions[entry]
    assert mnemonic(action.text()), action.text()  # Alt+menu, then its letter
    if keys:
        assert QKeySequence(keys) in action.shortcuts()
        assert action in window.actions()  # works without opening the menu


def test_mnemonics_and_shortcuts_are_unique(qtbot, tmp_path: Path) -> None:
    window = make_window(qtbot, tmp_path)
    bar = [mnemonic(a.text()) for a in window.menuBar().actions()]
    assert len(set(bar)) == len(bar), bar
    for title, actions in menus(window).items():
        letters = [mnemonic(a.text()) for a in actions]
        assert all(letters) and len(set(letters)) == len(letters), (title, letters)
    keys = [k.toString() for a in window.actions() for k in a.shortcuts()]
    assert len(set(keys)) == len(keys), keys


def scored(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.select_item(0)
    assert window.item is not None
    samples, rate = sf.read(str(espeak_wav(tmp_path, window.item.text)), dtype="float32")
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.score_samples(samples, rate, None)


def test_w_plays_the_words_of_the_take_in_turn_then_the_model(qtbot, tmp_path: Path) -> None:
    import numpy as np

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, backend)
    window.compare_word_action.trigger()  # no take yet: says what to do
    assert "Record a take first" in window.statusBar().currentMessage()
    scored(qtbot, window, tmp_path)
    spoken: list[str] = []

    def voice(text: str, recording: object, slow: bool = False) -> Speech:
        spoken.append(text)
        return Speech(np.zeros(1600, np.float32), 16000, "")

    window.playback.model_voice = voice
    assert window.take is not None and window.take.result is not None
    words = [w.text for w in window.take.result.words]
    for n in range(len(words) + 1):
        window.compare_word_action.trigger()
        assert f"Word {n % len(words) + 1} of {len(words)}" in window.statusBar().currentMessage()
        window.runner.wait(5000)
        qtbot.wait(10)
    assert spoken == [*words, words[0]]  # in order, then round again


def test_a_goes_to_the_attempts_and_enter_shows_one(qtbot, qapp, tmp_path: Path) -> None:
    font, sheet, palette = qapp.font(), qapp.styleSheet(), qapp.palette()
    window = make_window(qtbot, tmp_path)
    window.settings.font_size = 16  # a large font: the attempts are below the fold
    window.apply_theme()
    window.resize(1240, 680)
    scored(qtbot, window, tmp_path)
    scored(qtbot, window, tmp_path)
    window.attempts_action.trigger()
    history = window.feedback.history
    assert window.focusWidget() is history  # (the focus once the window is active)
    assert history.currentRow() == 0
    viewport = window.feedback.parentWidget()  # the feedback column's scroll viewport
    top = history.mapTo(viewport, history.rect().topLeft()).y()
    assert 0 <= top < viewport.height() - 20, (top, viewport.height())  # not below the fold
    history.setCurrentRow(1)  # the older attempt
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        qtbot.keyClick(history, Qt.Key.Key_Return)
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def test_the_list_has_the_focus_and_the_search_box_gives_it_back(qtbot, tmp_path: Path) -> None:
    window = make_window(qtbot, tmp_path)
    assert window.focusWidget() is window.lessons  # so N, F, S… are shortcuts, not text
    search = window.lessons.search_box
    assert search is not None
    window.lessons.focus_search()
    qtbot.keyClicks(search, "cat")
    assert search.text() == "cat"
    qtbot.keyClick(search, Qt.Key.Key_Escape)  # clears first
    assert search.text() == "" and window.focusWidget() is search
    qtbot.keyClick(search, Qt.Key.Key_Escape)  # then back to the list
    assert window.focusWidget() is window.lessons
    window.lessons.focus_search()
    qtbot.keyClicks(search, "tea")
    qtbot.keyClick(search, Qt.Key.Key_Down)  # to the (filtered) list, the filter kept
    assert window.focusWidget() is window.lessons and search.text() == "tea"
