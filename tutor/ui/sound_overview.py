"""The Progress dialog's overview of every sound practised: attempts, average, trend and
next review (rows from :func:`tutor.core.sounds.sound_overview`); double-click a sound to
see its chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from tutor.core.sounds import SoundRow, plural, trend_text
from tutor.feedback.bands import phone_colour
from tutor.scoring.phones import to_ipa

COLUMNS = ("Sound", "Attempts", "Average (of 2)", "Trend", "Next review")


def review_text(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "–"
    if when <= now:
        return "due now"
    days = (when.date() - now.date()).days
    return "tomorrow" if days == 1 else ("today" if days <= 0 else f"in {plural(days, 'day')}")


class SoundTable(QTableWidget):
    """One row per sound, weakest first; ``soundChosen(phone)`` on double-click or Enter."""

    soundChosen = Signal(str)

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setAccessibleName("All sounds")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.itemActivated.connect(self._chosen)
        self.phones: list[str] = []

    def fill(self, rows: Sequence[SoundRow], theme: str, now: datetime) -> None:
        self.setRowCount(len(rows))
        self.phones = [r.phone for r in rows]
        for n, r in enumerate(rows):
            cells = (
                f"{r.phone}  /{to_ipa(r.phone)}/",
                plural(r.attempts, "attempt"),
                f"{r.average:.1f}",
                trend_text(r.trend),
                review_text(r.next_review, now),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setForeground(QColor(phone_colour(r.average, theme)))
                if col == 0:
                    item.setToolTip("Double-click to see this sound over time")
                self.setItem(n, col, item)

    def texts(self) -> list[list[str]]:
        """The cells as shown (for tests)."""
        return [
            [cell.text() if (cell := self.item(n, c)) else "" for c in range(self.columnCount())]
            for n in range(self.rowCount())
        ]

    def _chosen(self, item: QTableWidgetItem) -> None:
        if 0 <= item.row() < len(self.phones):
            self.soundChosen.emit(self.phones[item.row()])
