"""The lesson list's search box, due badges and "Review due" group, and Practice → Review
due (the items due across packs come from :func:`tutor.core.due_items`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from tutor.core import due_items

from .lesson_tree import LessonTree

if TYPE_CHECKING:
    from .main_window import MainWindow


def lesson_panel(tree: LessonTree) -> QWidget:
    """The lesson list under a search box that filters it as the learner types."""
    search = QLineEdit()
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
    panel.setMinimumWidth(tree.minimumWidth())
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
