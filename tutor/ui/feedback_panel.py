"""Scores, the one to three things to fix next, a colour legend and the attempt history."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tutor.feedback.advice import PhoneAdvice
from tutor.feedback.bands import Band, colour, phone_band, ten_colour
from tutor.feedback.tips import describe
from tutor.progress.store import Attempt
from tutor.scoring.result import UtteranceResult

from .elided import ElidedLabel
from .theme import Theme

SCORES = (("total", "Total"), ("accuracy", "Accuracy"), ("fluency", "Fluency"),
          ("completeness", "Completeness"))  # fmt: skip
SUB_SCORES = ("accuracy", "fluency", "completeness")


def caption(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("caption")
    label.setWordWrap(True)  # "ATTEMPTS AT THIS ITEM" at 16 pt is wider than a narrow column
    return label


class ScoreTile(QWidget):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.value = QLabel("–")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = ElidedLabel(title)  # "Completeness" at 16 pt in a narrow column
        self.title.setObjectName("muted")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.title)
        self.setAccessibleName(f"{title} score")

    def full_width(self) -> int:
        """The width it needs to show its title and value uncut."""
        margins = (
            self.contentsMargins() if (box := self.layout()) is None else box.contentsMargins()
        )
        text = max(self.title.sizeHint().width(), self.value.sizeHint().width())
        return text + margins.left() + margins.right()

    def set_score(self, score: float | None, t: Theme, big: bool, font_pt: int) -> None:
        size = font_pt + (16 if big else 8)
        if score is None:
            self.value.setText(f'<span style="font-size:{size}pt; color:{t.muted};">–</span>')
            self.setAccessibleDescription("no score yet")
            return
        self.value.setText(
            f'<span style="font-size:{size}pt; font-weight:700; '
            f'color:{ten_colour(score, t.name)};">{score:.1f}</span>'
            + (f'<span style="color:{t.muted};"> /10</span>' if big else "")
        )
        self.setAccessibleDescription(f"{score:.1f} out of 10")


class AdviceRow(QFrame):
    play = Signal(float, float)

    def __init__(self, item: PhoneAdvice, notation: str, t: Theme) -> None:
        super().__init__()
        p, w = item.phone, item.word
        name = describe(p.phone, notation, p.stress)
        if item.missing:
            what = "was missing"
        elif item.substituted:
            what = f"you said {describe(p.heard, notation)}"
        else:
            what = "was unclear"
        c = colour(phone_band(p.score), t.name)
        head = QLabel(
            f'<span style="color:{c}; font-weight:700;">{escape(name)}</span> in '
            f"<b>{escape(w.text)}</b> <span style='color:{t.muted};'>{what} · "
            f"{p.score:.1f}/2</span>"
        )
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        tip = QLabel(item.tip)
        tip.setTextFormat(Qt.TextFormat.PlainText)
        tip.setWordWrap(True)
        button = QPushButton("▶")
        button.setFixedWidth(40)
        button.setToolTip(f"Hear your {name} in “{w.text}”")
        button.setAccessibleName(f"Play {name} in {w.text}")
        button.clicked.connect(lambda: self.play.emit(w.start, w.end))
        top = QHBoxLayout()
        top.addWidget(head, 1)
        top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 6)
        layout.addLayout(top)
        layout.addWidget(tip)
        self.head, self.tip = head, tip


class FeedbackPanel(QWidget):
    """Right-hand column: sentence scores, what to fix, legend, try again, history."""

    playRequested = Signal(float, float)
    tryAgain = Signal()
    attemptChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Feedback")
        self.tiles = {key: ScoreTile(title) for key, title in SCORES}
        self.grid = grid = QGridLayout()
        grid.setSpacing(4)
        self.across = 0  # sub-scores side by side: 3, or 2 with "Completeness" below
        self._arrange_tiles(3)
        self.summary = QLabel("Record the prompt to see your scores.")
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        self.advice_box = QVBoxLayout()
        self.advice_box.setSpacing(2)
        self.advice_rows: list[AdviceRow] = []
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.try_again = QPushButton("Try again  (Space)")
        self.try_again.setAccessibleName("Try again")
        self.try_again.clicked.connect(self.tryAgain)
        self.history = QListWidget()
        self.history.setAccessibleName("Attempt history")
        self.history.setMinimumHeight(90)
        self.history.itemActivated.connect(lambda it: self.attemptChosen.emit(it.data(256)))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(caption("Scores"))
        layout.addLayout(grid)
        layout.addWidget(self.summary)
        layout.addSpacing(6)
        layout.addWidget(caption("Work on"))
        layout.addLayout(self.advice_box)
        layout.addWidget(self.legend)
        layout.addWidget(self.try_again)
        layout.addSpacing(6)
        layout.addWidget(caption("Attempts at this item"))
        layout.addWidget(self.history, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        margins = (
            self.contentsMargins() if (box := self.layout()) is None else box.contentsMargins()
        )
        room = self.width() - margins.left() - margins.right()
        subs = [self.tiles[key] for key in SUB_SCORES]
        widths = [t.full_width() for t in subs]
        across = 3 if sum(widths) + 2 * self.grid.horizontalSpacing() <= room else 2
        self._arrange_tiles(across)
        for column, width in enumerate(widths):  # the room shared in proportion to the needs
            self.grid.setColumnStretch(column, width if column < across else 0)

    def _arrange_tiles(self, across: int) -> None:
        """Three sub-scores side by side when their titles fit, else two with the third
        below (a narrow column, a 16 pt font): "Completeness" is never cut to "Complete…"."""
        if across == self.across:
            return
        self.across = across
        for tile in self.tiles.values():
            self.grid.removeWidget(tile)
        self.grid.addWidget(self.tiles["total"], 0, 0, 1, across)
        accuracy, fluency, completeness = (self.tiles[key] for key in SUB_SCORES)
        self.grid.addWidget(accuracy, 1, 0)
        self.grid.addWidget(fluency, 1, 1)
        if across == 3:
            self.grid.addWidget(completeness, 1, 2)
        else:
            self.grid.addWidget(completeness, 2, 0, 1, 2)

    def show_result(
        self,
        result: UtteranceResult | None,
        advice: Sequence[PhoneAdvice],
        notation: str,
        t: Theme,
        font_pt: int,
        message: str = "",
    ) -> None:
        for key, tile in self.tiles.items():
            tile.set_score(getattr(result, key) if result else None, t, key == "total", font_pt)
        for row in self.advice_rows:
            row.hide()  # gone at once, not when the event loop gets round to deleting it
            row.deleteLater()
        self.advice_rows = []
        if result is None:
            self.summary.setText(message or "Record the prompt to see your scores.")
        elif not advice:
            self.summary.setText(
                "Every sound scored well. Try it a little faster, or move on with N."
            )
        else:
            worst = advice[0]
            self.summary.setText(
                f"Next: the {describe(worst.phone.phone, notation, worst.phone.stress)} "
                f"in “{worst.word.text}”."
            )
        if result is not None and result.warnings:
            self.summary.setText(self.summary.text() + "\n⚠ " + "\n⚠ ".join(result.warnings))
        for item in advice:
            row = AdviceRow(item, notation, t)
            row.play.connect(self.playRequested)
            self.advice_box.addWidget(row)
            self.advice_rows.append(row)
        self.legend.setText(
            " &nbsp; ".join(
                # the square stays with its words when the legend wraps
                f'<span style="color:{colour(b, t.name)};">■</span>&nbsp;'
                + escape(b.label).replace(" ", "&nbsp;")
                for b in (Band.GOOD, Band.FAIR, Band.POOR)
            )
        )

    def show_history(self, attempts: Sequence[Attempt], t: Theme) -> None:
        self.history.clear()
        best = max((a.total for a in attempts), default=None)
        for n, a in reversed(list(enumerate(attempts, 1))):
            star = "  ★ best" if best is not None and a.total == best and len(attempts) > 1 else ""
            item = QListWidgetItem(f"#{n}   {a.total:4.1f}   {a.when.astimezone():%H:%M}{star}")
            item.setForeground(QColor(ten_colour(a.total, t.name)))
            item.setData(256, n - 1)
            item.setToolTip(
                f"Total {a.total:.1f}, accuracy {a.accuracy:.1f}. "
                "Double-click (or Enter) to see and hear this attempt again."
            )
            self.history.addItem(item)
        if not attempts:
            self.history.addItem(QListWidgetItem("No attempts yet"))
