"""The lesson list's search box, due badges and "Review due" group, and Practice → Review
due (the items due across packs come from :func:`tutor.core.due_items`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from tutor.core import due_items

from .lesson_tree import LessonTree

if TYPE_CHECKING:
    from .main_window import MainWindow


class SearchBox(QLineEdit):
    """The lesson search: Escape clears it (and, when empty, goes back to the list), Down or
    Enter go to the list, so the single-key shortcuts (N, F, R…) work again at once."""

    def __init__(self, tree: LessonTree) -> None:
        super().__init__()
        self.tree = tree

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        key = event.key()
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.tree.setFocus()
        else:
            super().keyPressEvent(event)


def lesson_panel(tree: LessonTree) -> QWidget:
    """The lesson list under a search box that filters it as the learner types."""
    search = SearchBox(tree)
    search.setPlaceholderText("Search lessons…")
    search.setAccessibleName("Search lessons")
    search.setClearButtonEnabled(True)
    search.textChanged.connect(tree.filter)
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    layout.addWidget(search)
    layout.addWidget(tree, 1)
    # no minimum width of its own: the list's (it grows with the font) must hold
    tree.search_box = search
    return panel


def show_lessons(w: MainWindow) -> None:
    """The list's marks for this sitting, its due badges and its "Review due" group."""
    due = [d.entry.key for d in due_items(w.library, w.progress.records)]
    w.lessons.show_due(w.items, due)
    w.lessons.show_marks(w.items, w.sitting.marks(i.key for i in w.items), w.t)


def review_next_due(w: MainWindow) -> None:
    """Go to the most urgent item due for review, in whichever pack it is."""
    due = due_items(w.library, w.progress.records)
    if not due:
        w.report("Nothing is due for review: practise something new, or come back later.")
        return
    index = w.items.index(due[0].entry) if due[0].entry in w.items else None
    if index is not None:
        w.select_item(index)
        w.report(f"Review due: {len(due)} item{'s' if len(due) != 1 else ''} across your packs.")
