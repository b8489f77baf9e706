"""The lesson list: packs with their items, each marked for how it stands in this sitting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from tutor.core import Mark, PackItem
from tutor.feedback.bands import Band, colour

from .theme import Theme

MARK_COLUMN = 1  # the lesson list's column for an item's mark in this sitting
MARKS = {  # mark, band, tooltip
    Mark.PASSED: ("✓", Band.GOOD, "Passed in this sitting"),
    Mark.AGAIN: ("↻", Band.FAIR, "Missed: it comes back later in this sitting"),
    Mark.REVIEW: ("✗", Band.POOR, "Missed: to review in a later sitting"),
}
RESTING_TIP = "\nNot part of this sitting (not due yet); you can still practise it."
DUE_BADGE, DUE_TIP = "●", "Due for review"
REVIEW_TITLE = "Review due"
MIN_WIDTH = 200  # px; wider when the font needs it for the longest word (see _fit_words)
ITEM_PADDING = 8  # px the style sheet's item padding and the focus frame take from the text
REWRAP_TRIES = 5  # scrolls to bring the current row back into view after a rewrap


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped at the column's width: a long sentence or pack
    title (a 16 pt font, a narrow list) shows in full on two or three lines, never "The c…"."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view

    def text_width(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The width the text of ``index`` has: its column (both for a spanned pack title)
        less the indentation of its depth."""
        view = self.view
        parent = index.parent()
        if index.column() == 0 and view.isFirstColumnSpanned(index.row(), parent):
            width = view.viewport().width()
        else:
            width = view.columnWidth(index.column())
        if index.column() == 0:
            depth = int(view.rootIsDecorated())
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= view.indentation() * depth
        return max(width - ITEM_PADDING, 20)

    def sizeHint(  # noqa: N802 (Qt name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.rect = QRect(0, 0, self.text_width(index), 10000)  # the style wraps at this width
        opt.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        return self.view.style().sizeFromContents(
            QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), self.view
        )


class LessonTree(QTreeWidget):
    """Packs and their items; ``itemChosen(index)`` when the learner picks one (the index
    into the entries given to :meth:`fill`)."""

    itemChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MARK_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setUniformRowHeights(False)
        self.setIndentation(14)  # more room for the text in a narrow list
        self.setVerticalScrollMode(QTreeView.ScrollMode.ScrollPerPixel)  # rows of any height
        self.setItemDelegate(WrappingDelegate(self))
        header.sectionResized.connect(self._rewrap)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)
        self.setAccessibleName("Lessons and items")
        self.setMinimumWidth(MIN_WIDTH)
        self.currentItemChanged.connect(self._on_current)
        self.review = QTreeWidgetItem()  # replaced by fill()
        self.search = ""  # the filter in force (see :meth:`filter`)
        self.search_box: QWidget | None = None  # the search field above the list
        self.due: set[tuple[str, str]] = set()
        self._settling = 0  # scrolls left to follow the current row (see _current_in_view)
        self._scroll_queued = False

    def _rewrap(self, *_: object) -> None:
        """Rows change height with the width: lay them out again, the current one in view."""
        self.scheduleDelayedItemsLayout()
        self._settling = REWRAP_TRIES
        self._queue_scroll()

    def _range_changed(self, *_: object) -> None:
        if self._settling > 0:  # the rows are still settling after a rewrap
            self._queue_scroll()

    def _queue_scroll(self) -> None:
        if not self._scroll_queued:
            self._scroll_queued = True
            QTimer.singleShot(0, self, self._current_in_view)  # not after the list is gone

    def _current_in_view(self) -> None:
        """Scroll the current row into view (again when the scroll range changes while the
        rows settle: a rewrap changes it more than once)."""
        self._scroll_queued = False
        self._settling -= 1
        self.executeDelayedItemsLayout()
        if (current := self.currentItem()) is not None:
            self.scrollToItem(current, QTreeView.ScrollHint.PositionAtCenter)

    def fill(self, entries: Sequence[PackItem]) -> None:
        """The packs and their items, in the packs' own order (never reordered by practice:
        what is due shows as a badge and in the "Review due" group)."""
        self.blockSignals(True)
        self.clear()
        self.review = QTreeWidgetItem([REVIEW_TITLE])  # on top while something is due
        self.review.setFlags(self.review.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        tops: dict[str, QTreeWidgetItem] = {}
        for index, entry in enumerate(entries):
            top = tops.get(entry.pack_id)
            if top is None:
                top = tops[entry.pack_id] = QTreeWidgetItem([entry.pack.title])
                top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self.addTopLevelItem(top)
                top.setFirstColumnSpanned(True)
                top.setExpanded(True)
            child = QTreeWidgetItem([entry.text, ""])
            child.setToolTip(0, entry.text)
            child.setData(0, Qt.ItemDataRole.UserRole, index)
            top.addChild(child)
        self.blockSignals(False)
        self.filter(self.search)
        self._fit_words()

    def _fit_words(self) -> None:
        """Wide enough for the longest word of any title at the list's font: wrapping breaks
        lines between words, so a word wider than the column would be cut at the right."""
        words = {w for top in range(self.topLevelItemCount()) for w in self._titles(top)}
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(w) for w in words), default=0)
        chrome = (  # two levels of indentation, the padding, the mark column, the scroll bar
            2 * self.indentation()
            + ITEM_PADDING
            + metrics.horizontalAdvance(DUE_BADGE)
            + 16
            + self.verticalScrollBar().sizeHint().width()
            + 2 * self.frameWidth()
            + 12
        )
        self.setMinimumWidth(max(MIN_WIDTH, longest + chrome))

    def _titles(self, top: int) -> list[str]:
        parent = self.topLevelItem(top)
        if parent is None:
            return []
        rows = [parent] + [parent.child(n) for n in range(parent.childCount())]
        return [w for row in rows if row is not None for w in row.text(0).split()]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_words()

    def _children(self) -> list[QTreeWidgetItem]:
        """The packs' item rows (not the "Review due" group's)."""
        out: list[QTreeWidgetItem] = []
        for top in range(self.topLevelItemCount()):
            if (parent := self.topLevelItem(top)) is not None and parent is not self.review:
                out += [c for n in range(parent.childCount()) if (c := parent.child(n))]
        return out

    def tree_item(self, index: int) -> QTreeWidgetItem | None:
        """The row of entry ``index`` (``None``: an item not in the list)."""
        return next(
            (c for c in self._children() if c.data(0, Qt.ItemDataRole.UserRole) == index), None
        )

    def point_at(self, index: int) -> None:
        """Make entry ``index`` current without announcing it."""
        tree_item = self.tree_item(index)
        if self.currentItem() is not tree_item:  # None: an item not in the list
            self.blockSignals(True)
            if tree_item is None:
                self.setCurrentIndex(QModelIndex())
            else:
                self.setCurrentItem(tree_item)
            self.blockSignals(False)

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None and (index := current.data(0, Qt.ItemDataRole.UserRole)) is not None:
            self.itemChosen.emit(int(index))

    def show_due(self, entries: Sequence[PackItem], due: Sequence[tuple[str, str]]) -> None:
        """The "Review due" group on top: the items due across packs, most urgent first."""
        index = {e.key: n for n, e in enumerate(entries)}
        self.blockSignals(True)
        for child in self.review.takeChildren():
            del child
        for key in due:
            if (n := index.get(key)) is None:
                continue
            entry = entries[n]
            child = QTreeWidgetItem([entry.text, DUE_BADGE])
            child.setToolTip(0, f"{entry.text}\n{entry.pack.title}: {DUE_TIP.lower()}")
            child.setData(0, Qt.ItemDataRole.UserRole, n)
            self.review.addChild(child)
        self.review.setText(0, f"{REVIEW_TITLE} ({self.review.childCount()})")
        listed = self.indexOfTopLevelItem(self.review) >= 0
        if self.review.childCount() and not listed:
            self.insertTopLevelItem(0, self.review)
            self.review.setFirstColumnSpanned(True)
        elif not self.review.childCount() and listed:
            self.takeTopLevelItem(self.indexOfTopLevelItem(self.review))
        self.review.setExpanded(True)
        self.blockSignals(False)
        self.due = set(due)
        self.filter(self.search)

    def focus_search(self) -> None:
        if self.search_box is not None:
            self.search_box.setFocus()

    def review_rows(self) -> list[QTreeWidgetItem]:
        return [c for n in range(self.review.childCount()) if (c := self.review.child(n))]

    def filter(self, text: str) -> None:
        """Show only the items whose text or pack title contains ``text`` (any case)."""
        self.search = text
        needle = text.strip().casefold()
        for top in range(self.topLevelItemCount()):
            parent = self.topLevelItem(top)
            if parent is None:
                continue
            title = parent.text(0).casefold()
            shown = 0
            for n in range(parent.childCount()):
                if (child := parent.child(n)) is not None:
                    hide = bool(needle) and needle not in child.text(0).casefold()
                    child.setHidden(hide and needle not in title)
                    shown += not child.isHidden()
            parent.setHidden(not shown)
        if (current := self.currentItem()) is not None and not current.isHidden():
            self.scrollToItem(current)  # the search cleared: back where the learner is

    def show_marks(
        self, entries: Sequence[PackItem], marks: Mapping[tuple[str, str], Mark], theme: Theme
    ) -> None:
        """Mark each item for this sitting; items resting (not due) are muted; an item due
        for review that this sitting has not marked gets the due badge."""
        muted = QColor(theme.muted)
        for child in self._children():
            entry = entries[int(child.data(0, Qt.ItemDataRole.UserRole))]
            state = marks.get(entry.key, Mark.NONE)
            mark, band, tip = MARKS.get(state, ("", None, ""))
            if not mark and entry.key in self.due:
                mark, band, tip = DUE_BADGE, Band.FAIR, DUE_TIP
            child.setText(MARK_COLUMN, mark)
            child.setToolTip(MARK_COLUMN, tip)
            child.setData(
                MARK_COLUMN,
                Qt.ItemDataRole.ForegroundRole,
                QColor(colour(band, theme.name)) if band else None,
            )
            resting = state is Mark.RESTING
            child.setData(0, Qt.ItemDataRole.ForegroundRole, muted if resting else None)
            child.setToolTip(0, entry.text + (RESTING_TIP if resting else ""))
        due_colour = QColor(colour(Band.FAIR, theme.name))
        for row in self.review_rows():
            row.setData(MARK_COLUMN, Qt.ItemDataRole.ForegroundRole, due_colour)
            row.setToolTip(MARK_COLUMN, DUE_TIP)
