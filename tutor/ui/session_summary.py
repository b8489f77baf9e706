"""The end-of-session summary: how each focus sound, and any other weak one, went.

Qt only: every number comes from :class:`tutor.practice.SessionSummary`; this module only
words and colours them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tutor.feedback.bands import Band, colour, phone_colour, ten_colour
from tutor.feedback.tips import TIPS, describe
from tutor.practice import PhoneProgress, SessionSummary

from .theme import Theme

COLUMNS = (
    ("Sound", "The sound and a word it is in"),
    ("Times said", "How many times you said this sound in this sitting"),
    ("First", "Your score for the sound in your first attempt (0 wrong … 2 right)"),
    ("Last", "Your score for the sound in your latest attempt (0 wrong … 2 right)"),
    ("Average", "Your average for the sound in this sitting (0 wrong … 2 right)"),
    ("Change", "This sitting's average against your earlier sessions with this pack"),
    ("Items", "Items practising this sound: passed, or to review"),
    ("Next review", "When the practice plan brings this sound's items back"),
)
SAME = 0.05  # a change that rounds to 0.0 is shown as "about the same"


def example_word(phone: str) -> str:
    """A common word with ``phone`` in it ('' if the tips table has none)."""
    tip = TIPS.get(phone)
    return tip.examples.split(",")[0].split("(")[0].strip() if tip else ""


def sound_label(phone: str, notation: str) -> str:
    word = example_word(phone)
    name = describe(phone, notation)
    return f"{name}   as in “{word}”" if word else name


def when_due(due: datetime | None, now: datetime) -> str:
    """``due`` in a learner's words, relative to ``now``: 'now', 'tomorrow', 'in 4 days'."""
    if due is None:
        return "—"
    if due <= now:
        return "now"
    days = (due.astimezone().date() - now.astimezone().date()).days
    if days <= 0:
        return "later today"
    return "tomorrow" if days == 1 else f"in {days} days"


def change_text(p: PhoneProgress) -> tuple[str, Band | None]:
    """The change against earlier sessions, and its band (None: no colour)."""
    change = p.change
    if change is None:
        return "new", None
    if abs(change) < SAME:
        return "= same", None
    if change > 0:
        return f"▲ +{change:.1f}", Band.GOOD
    return f"▼ −{-change:.1f}", Band.POOR


def items_text(p: PhoneProgress) -> str:
    parts = []
    if p.passed:
        parts.append(f"{len(p.passed)} passed")
    if p.to_review:
        parts.append(f"{len(p.to_review)} to review")
    return " · ".join(parts) or "—"


class SessionSummaryDialog(QDialog):
    """Per focus sound and any other weak one: times said, first/last/average score,
    change, items, next review.

    ``practiseMissed`` asks the window to start a session over the missed items.
    """

    practiseMissed = Signal()

    def __init__(
        self,
        summary: SessionSummary,
        *,
        title: str,
        item_texts: Mapping[str, str],
        notation: str,
        theme: Theme,
        now: datetime | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.summary = summary
        self.t = theme
        self.now = now or datetime.now(UTC)
        self.setWindowTitle("Session summary")
        self.setAccessibleName("Session summary")

        # rich text, not setFont: the app's style sheet sets every widget's font size
        heading_pt = round(QApplication.font().pointSizeF() * 1.4)
        heading = QLabel(
            f'<span style="font-size:{heading_pt}pt; font-weight:700;">{escape(title)}</span>'
        )
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.overview = QLabel(self._overview())
        self.overview.setTextFormat(Qt.TextFormat.RichText)
        self.overview.setWordWrap(True)

        self.table = QTableWidget(len(summary.phones), len(COLUMNS))
        self.table.setAccessibleName("Progress per sound")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        for col, (name, tip) in enumerate(COLUMNS):
            head_item = QTableWidgetItem(name)
            head_item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(col, head_item)
        for row, p in enumerate(summary.phones):
            self._fill_row(row, p, notation)
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(64)
        header.ensurePolished()  # measure with the style sheet's font, not the default one
        self.table.ensurePolished()
        self.table.resizeColumnsToContents()
        for col in range(1, len(COLUMNS)):  # a little air around the numbers
            self.table.setColumnWidth(col, self.table.columnWidth(col) + 12)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setMinimumWidth(header.length() + 2 * self.table.frameWidth())
        self.table.setVisible(bool(summary.phones))

        review = [item_texts.get(i, i) for i in summary.to_review]
        self.review_caption = QLabel("TO REVIEW")
        self.review_caption.setObjectName("caption")
        self.review_list = QLabel("<br>".join(f"• {escape(text)}" for text in review))
        self.review_list.setTextFormat(Qt.TextFormat.RichText)
        self.review_list.setWordWrap(True)
        for w in (self.review_caption, self.review_list):
            w.setVisible(bool(review))
        note = QLabel(
            "Sound scores run from 0 (wrong or missing) to 2 (right). "
            "“Change” compares this sitting's average with your earlier sessions."
        )
        note.setObjectName("muted")
        note.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.again_button = QPushButton("Practise the missed items again")
        self.again_button.setEnabled(bool(summary.to_review))
        self.again_button.setToolTip("Start a new sitting with only the items to review")
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.AcceptRole)
        (self.again_button if summary.to_review else self.close_button).setDefault(True)
        self.again_button.clicked.connect(self._practise_again)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.overview)
        layout.addWidget(self.table)
        layout.addWidget(self.review_caption)
        layout.addWidget(self.review_list)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def _overview(self) -> str:
        s = self.summary
        if s.attempts == 0:
            return (
                "Nothing scored yet in this sitting: record an item, and how each sound "
                "went shows here."
            )
        said = (
            f"{s.attempts} attempt{'s' if s.attempts != 1 else ''} at "
            f"{s.attempted} item{'s' if s.attempted != 1 else ''}"
        )
        good, poor = colour(Band.GOOD, self.t.name), colour(Band.POOR, self.t.name)
        results = f'<span style="color:{good};"><b>{s.passed}</b> passed</span>'
        if s.to_review:
            results += f', <span style="color:{poor};"><b>{len(s.to_review)}</b> to review</span>'
        mean = (
            f'<span style="color:{ten_colour(s.mean_total, self.t.name)};">'
            f"<b>{s.mean_total:.1f}</b></span>"
        )
        return f"You made {said}: {results}. Average total {mean} / 10."

    def _cell(
        self,
        row: int,
        col: int,
        text: str,
        colour_hex: str | None = None,
        tip: str = "",
        bold: bool = False,
    ) -> QTableWidgetItem:
        cell = QTableWidgetItem(text)
        if col:
            cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if colour_hex:
            cell.setForeground(QColor(colour_hex))
        if bold:
            font = cell.font()
            font.setBold(True)
            cell.setFont(font)
        if tip:
            cell.setToolTip(tip)
        self.table.setItem(row, col, cell)
        return cell

    def _fill_row(self, row: int, p: PhoneProgress, notation: str) -> None:
        name = self.t.name
        self._cell(row, 0, sound_label(p.phone, notation), bold=True)
        self._cell(row, 1, str(p.attempts))
        for col, score in ((2, p.first), (3, p.last), (4, p.session_mean)):
            self._cell(row, col, f"{score:.1f}", phone_colour(score, name))
        text, band = change_text(p)
        before = (
            "never practised before"
            if p.before_mean is None
            else f"average before {p.before_mean:.1f}"
        )
        self._cell(
            row,
            5,
            text,
            colour(band, name) if band else self.t.muted,
            f"This sitting {p.session_mean:.1f}, {before} (of 2)",
            bold=band is not None,
        )
        self._cell(row, 6, items_text(p))
        due = p.next_due
        self._cell(
            row,
            7,
            when_due(due, self.now),
            tip=due.astimezone().strftime("%a %d %b, %H:%M") if due else "",
        )

    def _practise_again(self) -> None:
        self.accept()
        self.practiseMissed.emit()

    # --- for tests and accessibility ---------------------------------------------------
    def rows(self) -> list[list[str]]:
        """The table's text, row by row."""
        return [
            [
                cell.text() if (cell := self.table.item(r, c)) is not None else ""
                for c in range(self.table.columnCount())
            ]
            for r in range(self.table.rowCount())
        ]
