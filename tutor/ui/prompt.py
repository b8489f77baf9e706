"""The prompt: big words with their expected phones underneath, coloured once scored."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

from tutor.feedback.bands import phone_colour, ten_colour
from tutor.feedback.tips import describe
from tutor.scoring.result import UtteranceResult, WordResult


class FlowLayout(QLayout):
    """Lays children out left to right, wrapping onto new lines like text."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 18) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() and line > 0:
                x, y, line = area.x(), y + line + self._spacing // 2, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


class WordChip(QLabel):
    """One word of the prompt with its phones underneath; click to hear it once scored."""

    clicked = Signal(int)

    def __init__(self, index: int, html: str, tooltip: str, name: str) -> None:
        super().__init__(html)
        self.index = index
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setToolTip(tooltip)
        self.setAccessibleName(name)

    def mousePressEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        self.clicked.emit(self.index)


class PromptView(QWidget):
    """Shows the prompt words; phones come from the lexicon or, once scored, the result."""

    wordClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Prompt")
        self.flow = FlowLayout(self)
        self.flow.setContentsMargins(0, 0, 0, 0)
        # exactly as tall as its words wrapped at this width: no gap under a sentence
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.word_pt = 26
        self.chips: list[WordChip] = []

    # The flow wraps with the width, but it must not report height-for-width: Qt would then
    # size the whole window for the prompt wrapped at its narrowest (one word a line), which
    # makes the window taller than a laptop screen. The height follows the width instead.
    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(super().sizeHint().width(), self.minimumHeight())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # chips polished: their size is final
            self._fit_height()
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        height = self.flow.heightForWidth(max(self.width(), 1))
        if height != self.minimumHeight():
            self.setMinimumHeight(height)

    def _clear(self) -> None:
        while (item := self.flow.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()  # gone at once, not when the event loop gets round to deleting it
                w.deleteLater()
        self.chips = []

    def _add(self, html: str, tooltip: str, name: str) -> None:
        chip = WordChip(len(self.chips), html, tooltip, name)
        chip.clicked.connect(self.wordClicked)
        self.flow.addWidget(chip)
        self.chips.append(chip)

    def _phones_html(self, spans: Sequence[tuple[str, str | None]]) -> str:
        small = max(self.word_pt // 2, 10)
        parts = [
            f'<span style="color:{c};">{escape(p)}</span>' if c else escape(p) for p, c in spans
        ]
        return f'<span style="font-size:{small}pt; font-weight:600;">{" ".join(parts)}</span>'

    def show_expected(
        self, words: Sequence[tuple[str, Sequence[str]]], notation: str, muted: str
    ) -> None:
        self._clear()
        for word, phones in words:
            names = [describe(p, notation, slashes=False) for p in phones]
            html = (
                f'<span style="font-size:{self.word_pt}pt;">{escape(word)}</span><br>'
                f'<span style="color:{muted};">'
                f"{self._phones_html([(n, None) for n in names]) if names else '?'}</span>"
            )
            self._add(html, "Expected: " + (" ".join(names) or "unknown"), word)
        self._fit_height()
        self.updateGeometry()

    def show_result(self, result: UtteranceResult, notation: str, theme: str) -> None:
        self._clear()
        for w in result.words:
            self._add(self._word_html(w, notation, theme), _word_tooltip(w), w.text)
        self._fit_height()
        self.updateGeometry()

    def _word_html(self, w: WordResult, notation: str, theme: str) -> str:
        spans = [
            (describe(p.phone, notation, p.stress, slashes=False), phone_colour(p.score, theme))
            for p in w.phones
        ]
        colour = ten_colour(w.accuracy, theme)
        return (
            f'<span style="font-size:{self.word_pt}pt; color:{colour};">'
            f"{escape(w.text)}</span><br>{self._phones_html(spans)}"
        )


def _word_tooltip(w: WordResult) -> str:
    return (
        f"<b>{escape(w.text)}</b>: accuracy {w.accuracy:.1f}/10, "
        f"stress {w.stress:.1f}/10. Click to hear it."
    )
