"""The lesson list: a stable item order with due badges, a search box, and a "Review due"
group and menu entry across packs (pytest-qt, offscreen, fake scorer)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from progress_helpers import make_result
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit
from test_ui_practice_session import FAIL_TH, packs, say
from ui_fakes import FakeScorer

from tutor.core import Library, Progress
from tutor.recording import FakeBackend
from tutor.ui.app import build_window
from tutor.ui.lesson_tree import DUE_BADGE, MARK_COLUMN
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.workers import ScoringService


@pytest.fixture
def scorer() -> FakeScorer:
    return FakeScorer(bad={})


@pytest.fixture
def window(qtbot, tmp_path: Path, scorer: FakeScorer) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    library = Library(tuple(packs()))
    w = MainWindow(
        backend=FakeBackend(),
        library=library,
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=lambda: scorer,
        progress=Progress(),
        library_loader=lambda: library,
    )
    qtbot.addWidget(w)
    w.apply_theme()
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.service.state == ScoringService.READY, timeout=5000)
    return w


def rows(window: MainWindow, review: bool = True) -> list[str]:
    """Every visible row of the list, top to bottom (items indented)."""
    out = []
    tree = window.lessons
    for top in range(tree.topLevelItemCount()):
        parent = tree.topLevelItem(top)
        if parent.isHidden() or (parent is tree.review and not review):
            continue
        out.append(parent.text(0))
        out += [
            "  " + parent.child(n).text(0)
            for n in range(parent.childCount())
            if not parent.child(n).isHidden()
        ]
    return out


def actions(window: MainWindow) -> dict:
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    return {a.text().replace("&", ""): a for a in menus["Practice"].actions()}


def test_the_order_stays_and_missed_items_get_a_due_badge(window, qtbot, scorer) -> None:
    before = rows(window)
    say(window, qtbot, scorer, FAIL_TH)  # "think" missed
    window.lessons.setCurrentItem(window.lessons.tree_item(1))
    say(window, qtbot, scorer)  # "red" passed
    window.reload_lessons()  # e.g. after the editor saved a pack: re-read, not reordered
    window.lessons.setCurrentItem(window.lessons.tree_item(4))  # the vowels pack
    after = rows(window, review=False)
    assert after == before  # the packs' items in their own order after every pass
    think = window.lessons.tree_item(0)
    assert think.text(MARK_COLUMN) == DUE_BADGE and think.toolTip(MARK_COLUMN) == "Due for review"
    assert window.lessons.tree_item(1).text(MARK_COLUMN) == ""  # passed: not due today


def test_review_due_gathers_due_items_across_packs(window, qtbot, scorer) -> None:
    actions(window)["Review due"].trigger()
    assert "Nothing is due for review" in window.statusBar().currentMessage()
    say(window, qtbot, scorer, FAIL_TH)  # "think" (TH drill) missed
    window.lessons.setCurrentItem(window.lessons.tree_item(4))  # "It is." (vowels)
    say(window, qtbot, scorer, {"IH": ("IY", 0.3)})  # missed too
    window.lessons.setCurrentItem(window.lessons.tree_item(5))
    tree = window.lessons
    assert tree.topLevelItem(0) is tree.review and tree.review.text(0) == "Review due (2)"
    assert sorted(r.text(0) for r in tree.review_rows()) == ["It is.", "Think about it."]
    badge = tree.review_rows()[0]
    assert badge.text(MARK_COLUMN) == DUE_BADGE and badge.toolTip(MARK_COLUMN) == "Due for review"
    # picking one in the group goes to that item, in its own pack
    first = tree.review_rows()[0]
    tree.setCurrentItem(first)
    assert window.item.text == first.text(0)
    assert tree.currentItem() is tree.tree_item(window.current_index())  # its pack's row
    # the menu entry goes to the most urgent due item
    window.lessons.setCurrentItem(window.lessons.tree_item(2))
    actions(window)["Review due"].trigger()
    assert window.item.text in {"It is.", "Think about it."}
    assert "2 items across your packs" in window.statusBar().currentMessage()


def test_the_search_box_filters_the_list(window, qtbot) -> None:
    search = window.findChild(QLineEdit)
    assert search is not None and search.accessibleName() == "Search lessons"
    actions(window)["Search lessons"].trigger()
    qtbot.waitUntil(search.hasFocus, timeout=2000)
    qtbot.keyClicks(search, "LONG")
    assert rows(window) == ["TH drill", "  It is really long.", "  Is it long?"]
    search.clear()
    qtbot.keyClicks(search, "vowel")  # a pack's title shows all its items
    assert rows(window) == ["Vowels", "  It is.", "  Lorry."]
    qtbot.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(search, "zzz")
    assert rows(window) == []
    search.clear()
    assert len(rows(window)) == 2 + 6


def test_the_app_lists_packs_in_their_own_order_after_practice(qtbot, tmp_path: Path) -> None:
    """The app's own library loader: a missed item does not jump to the top on re-reading."""
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    data = tmp_path / "data"
    window = build_window(settings, FakeBackend(), FakeScorer, data)
    qtbot.addWidget(window)
    before = [(it.pack_id, it.id) for it in window.items]
    last = window.items[-1]
    progress = window.progress
    progress.record(last.pack_id, last.id, make_result("think", {"TH": 0.1}), None)
    window.reload_lessons()
    assert [(it.pack_id, it.id) for it in window.items] == before
    listed = [
        window.items[r.data(0, Qt.ItemDataRole.UserRole)] for r in window.lessons.review_rows()
    ]
    assert [it.key for it in listed] == [last.key]  # it is due: in the "Review due" group
