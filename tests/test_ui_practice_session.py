"""A sitting in the window: results feed the practice session, missed items come back via
Next, the summary per focus phone shows at the end (pytest-qt, offscreen, fake scorer)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from ui_fakes import FakeScorer, lesson_pack

from tutor.core import Library, Progress
from tutor.feedback.bands import Band, colour
from tutor.lessons.model import LessonPack
from tutor.recording import FakeBackend
from tutor.ui.lesson_tree import DUE_BADGE, MARK_COLUMN
from tutor.ui.main_window import MainWindow
from tutor.ui.session_summary import SessionSummaryDialog
from tutor.ui.settings import Settings
from tutor.ui.workers import ScoringService

RATE = 16000
# a second of "speech" between short silences: the fake scorer spreads phones over it
TONE = 0.3 * np.sin(np.arange(RATE) * 2 * np.pi * 220 / RATE)
SPEECH = np.concatenate([np.zeros(RATE // 5), TONE, np.zeros(RATE // 5)]).astype(np.float32)
FAIL_TH = {"TH": ("S", 0.2)}  # every other phone scores 1.9


def _pack(pack_id: str, title: str, rows: list[tuple[str, str, tuple[str, ...]]]) -> LessonPack:
    return lesson_pack(pack_id, title, rows)


def packs() -> list[LessonPack]:
    # only words the fake scorer knows, so every focus phone is really scored
    return [
        _pack(
            "th-drill",
            "TH drill",
            [
                ("think", "Think about it.", ("TH",)),
                ("red", "The red lorry.", ("R",)),
                ("long", "It is really long.", ("L",)),
                ("it", "Is it long?", ("IH",)),
            ],
        ),
        _pack("vowels", "Vowels", [("it-is", "It is.", ("IH",)), ("lorry", "Lorry.", ("AO",))]),
    ]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def scorer() -> FakeScorer:
    return FakeScorer(bad={})


@pytest.fixture
def window(qtbot, tmp_path: Path, settings: Settings, scorer: FakeScorer) -> MainWindow:
    w = MainWindow(
        backend=FakeBackend(),
        library=Library(tuple(packs())),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=lambda: scorer,
        progress=Progress(),
    )
    qtbot.addWidget(w)
    w.apply_theme()
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.service.state == ScoringService.READY, timeout=5000)
    return w


def say(window: MainWindow, qtbot, scorer: FakeScorer, bad: dict | None = None) -> None:
    """Score the item on screen, with the ``bad`` phones scored low."""
    scorer.bad = dict(bad or {})
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.score_samples(SPEECH, RATE, None)


def press_next(window: MainWindow, qtbot) -> str:
    window.activateWindow()  # back from a dialog
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.item is not None
    return window.item.id


def mark(window: MainWindow, item_id: str) -> str:
    index = next(n for n, it in enumerate(window.items) if it.id == item_id)
    return window.lessons.tree_item(index).text(MARK_COLUMN)


def summary_dialog(window: MainWindow, qtbot) -> SessionSummaryDialog:
    dialog = window.summary_dialog
    assert isinstance(dialog, SessionSummaryDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def rows_by_sound(dialog: SessionSummaryDialog) -> dict[str, list[str]]:
    return {row[0].split()[0]: row[1:] for row in dialog.rows()}


def walk_the_drill(window: MainWindow, qtbot, scorer: FakeScorer) -> list[str]:
    """TH missed once, R missed every time (retries run out), L and IH passed."""
    assert window.item.id == "think" and window.session.queue == ["think", "red", "long", "it"]
    say(window, qtbot, scorer, FAIL_TH)
    assert mark(window, "think") == "↻" and "comes back" in window.statusBar().currentMessage()
    seen = [press_next(window, qtbot)]
    say(window, qtbot, scorer, {"R": ("W", 0.4)})
    for bad in ({}, {}, {"TH": ("S", 1.6)}, {"R": ("W", 0.4)}, {"R": ("W", 0.5)}):
        seen.append(press_next(window, qtbot))
        say(window, qtbot, scorer, bad)
    return seen


def test_missed_items_come_back_later_in_the_sitting(window, qtbot, scorer) -> None:
    seen = walk_the_drill(window, qtbot, scorer)
    # TH comes back after three other items; R, missed twice, comes back twice; the
    # passed items (long, it) are never offered again
    assert seen == ["red", "long", "it", "think", "red", "red"]
    assert window.session.finished
    assert [mark(window, i) for i in ("think", "red", "long", "it")] == ["✓", "✗", "✓", "✓"]
    assert window.session_status.text() == "TH drill: Sitting complete · 3 passed · 1 missed"
    assert "last item of this sitting" in window.statusBar().currentMessage()
    assert window.summary_dialog is None  # the last feedback stays on screen until Next


def test_the_summary_shows_each_focus_phone_at_the_end(window, qtbot, scorer) -> None:
    walk_the_drill(window, qtbot, scorer)
    press_next(window, qtbot)
    dialog = summary_dialog(window, qtbot)
    rows = rows_by_sound(dialog)
    # weakest first; only the pack's focus phones
    assert list(rows) == ["R", "TH", "L", "IH"]
    # R: 0.4 and 0.4 in "red", 1.9 in "really", then red at 0.4 and 0.5 -> 7 said,
    # per-attempt means 0.4, 1.9, 0.4, 0.5
    assert rows["R"] == ["7", "0.4", "0.5", "0.8", "new", "1 to review", "now"]
    assert rows["TH"] == ["2", "0.2", "1.6", "0.9", "new", "1 passed", "tomorrow"]
    assert rows["L"][4:] == ["new", "1 passed", "tomorrow"]
    assert "7 attempts at 4 items" in dialog.overview.text()
    assert "3</b> passed" in dialog.overview.text() and "1</b> to review" in dialog.overview.text()
    assert dialog.review_list.text() == "• The red lorry."
    assert dialog.again_button.isEnabled()
    dialog.close_button.click()
    assert window.summary_dialog is None
    # the summary was seen: Next now simply walks the list
    before = window.current_index()
    press_next(window, qtbot)
    assert window.current_index() == before + 1


def test_practise_the_missed_items_again(window, qtbot, scorer) -> None:
    walk_the_drill(window, qtbot, scorer)
    press_next(window, qtbot)
    qtbot.mouseClick(summary_dialog(window, qtbot).again_button, Qt.MouseButton.LeftButton)
    assert window.summary_dialog is None
    session = window.session
    assert [i.id for i in session.pack.items] == ["red"] and session.queue == ["red"]
    assert window.item.id == "red" and not session.done
    assert mark(window, "think") == "" and mark(window, "red") == DUE_BADGE  # due: missed
    assert window.session_status.text() == "TH drill: 1 of 1 left · 0 passed"
    say(window, qtbot, scorer, {"R": ("R", 1.8)})
    assert session.finished and mark(window, "red") == "✓"
    press_next(window, qtbot)
    rows = rows_by_sound(summary_dialog(window, qtbot))
    assert list(rows) == ["R"]  # the missed item's focus phone only
    # against the first sitting's R scores (0.4, 0.4, 1.9, 0.4, 0.4, 0.5, 0.5: mean 0.64)
    assert rows["R"][:5] == ["2", "1.8", "1.8", "1.8", "▲ +1.2"]
    assert rows["R"][5] == "1 passed"
    change = window.summary_dialog.table.item(0, 5)
    assert change.foreground().color().name() == colour(Band.GOOD, window.t.name)
    assert not window.summary_dialog.again_button.isEnabled()


def test_manual_navigation_still_counts(window, qtbot, scorer) -> None:
    session = window.session
    # Next without a take puts the item off: it waits at the end of the sitting
    assert press_next(window, qtbot) == "red"
    assert session.queue == ["red", "long", "it", "think"]
    # any item clicked in the list is practised, and its result counts
    window.lessons.setCurrentItem(window.lessons.tree_item(3))
    assert window.item.id == "it"
    say(window, qtbot, scorer)
    assert session.outcomes() == {"it": True} and "it" not in session.queue
    assert mark(window, "it") == "✓"
    assert window.session_status.text() == "TH drill: 3 of 4 left · 1 passed"
    assert press_next(window, qtbot) == "red"  # back to what the session wants
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.item.id == "think"  # Previous walks the list as before
    say(window, qtbot, scorer, FAIL_TH)
    assert session.queue == ["red", "long", "think"] and mark(window, "think") == "↻"


def test_switching_packs_starts_a_new_session(window, qtbot, scorer) -> None:
    first = window.session
    say(window, qtbot, scorer, FAIL_TH)
    window.lessons.setCurrentItem(window.lessons.tree_item(4))  # "It is." in the vowels pack
    assert window.item.id == "it-is"
    session = window.session
    assert session is not first and session.pack.id == "vowels"
    assert session.queue == ["it-is", "lorry"] and not session.done
    assert window.session_status.text() == "Vowels: 2 of 2 left · 0 passed"
    # the old sitting's marks are gone; the missed item is due for review, across packs
    assert mark(window, "think") == DUE_BADGE
    assert [r.text(0) for r in window.lessons.review_rows()] == ["Think about it."]
    # no pop-up on a pack switch: the summary of the sitting left behind waits in the menu
    assert window.summary_dialog is None
    assert "Practice → Session summary" in window.statusBar().currentMessage()
    window.summary_action.trigger()
    dialog = summary_dialog(window, qtbot)
    assert dialog.windowTitle() == "Session summary" and dialog.rows()[0][0].startswith("TH")
    assert "1 attempt at 1 item" in dialog.overview.text()
    dialog.close_button.click()
    # back to the drill: a fresh sitting, planned from the history (the missed item first)
    window.lessons.setCurrentItem(window.lessons.tree_item(1))
    assert window.session.pack.id == "th-drill" and window.session is not first
    assert window.session.queue[0] == "think" and not window.session.done
    assert window.summary_dialog is None  # nothing was scored in the vowels sitting


def test_summary_from_the_menu_before_anything_is_scored(window, qtbot) -> None:
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    actions = {a.text().replace("&", ""): a for a in menus["Practice"].actions()}
    actions["Session summary…"].trigger()
    dialog = summary_dialog(window, qtbot)
    assert "Nothing scored yet" in dialog.overview.text()
    assert dialog.table.isHidden() and not dialog.again_button.isEnabled()
    dialog.close_button.click()
    assert window.session is not None and window.session.queue[0] == "think"


def test_sessions_plan_from_the_progress_database(qtbot, tmp_path, settings, scorer) -> None:
    def open_window() -> tuple[MainWindow, Progress]:
        history = Progress.open(tmp_path / "progress.sqlite3")
        assert history.store is not None
        w = MainWindow(
            backend=FakeBackend(),
            library=Library(tuple(packs())),
            settings=settings,
            data_dir=tmp_path / "data",
            scorer_factory=lambda: scorer,
            progress=history,
        )
        qtbot.addWidget(w)
        w.show()
        w.start()
        qtbot.waitUntil(lambda: w.service.state == ScoringService.READY, timeout=5000)
        return w, history

    window, history = open_window()
    window.lessons.setCurrentItem(window.lessons.tree_item(2))
    say(window, qtbot, scorer, {"L": ("R", 0.2)})
    window.close()
    history.store.close()
    again, history = open_window()
    assert again.item.id == "long"  # the last item, restored
    assert again.session.queue[0] == "long"  # missed last time: due first
    assert not again.session.done
    history.store.close()


def test_reloading_the_lessons_keeps_the_sitting_unless_its_items_change(
    qtbot, tmp_path, settings, scorer
) -> None:
    current = packs()
    w = MainWindow(
        backend=FakeBackend(),
        library=Library(tuple(current)),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=lambda: scorer,
        progress=Progress(),
        library_loader=lambda: Library(tuple(current)),
    )
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.service.state == ScoringService.READY, timeout=5000)
    session = w.session
    say(w, qtbot, scorer)
    w.reload_lessons()
    assert w.session is session and mark(w, "think") == "✓"
    drill, vowels = current
    current = [replace(drill, items=drill.items[1:]), vowels]  # "think" deleted
    w.reload_lessons()
    assert w.session is not session and w.session.queue == ["red", "long", "it"]
    assert w.item.id == "red"


def test_switching_learner_starts_their_own_sitting(qtbot, tmp_path, settings, scorer) -> None:
    progress = Progress.open(tmp_path / "progress.sqlite3")
    w = MainWindow(
        backend=FakeBackend(),
        library=Library(tuple(packs())),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=lambda: scorer,
        progress=progress,
    )
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.service.state == ScoringService.READY, timeout=5000)
    say(w, qtbot, scorer, FAIL_TH)  # the default learner misses "think"
    w.switch_learner("Ana")
    assert progress.learner == "Ana" and settings.learner == "Ana"
    assert w.session is not None and not w.session.done and mark(w, "think") == ""
    assert w.feedback.history.item(0).text() == "No attempts yet"
    say(w, qtbot, scorer)  # Ana passes it
    assert [a.learner for a in progress.attempts("th-drill", "think")] == ["Ana"]
    w.switch_learner("default")
    assert w.session is not None and w.session.queue[0] == "think"  # missed: due first
    assert progress.store is not None and sorted(progress.learners()) == ["Ana", "default"]
    progress.store.close()
