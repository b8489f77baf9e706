"""Praat-like analysis views: waveform, spectrogram with pitch, and tiers of labelled
intervals (words, phones), all on one linked time axis. Views only draw what they are given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from tutor.feedback.bands import phone_colour, ten_colour
from tutor.feedback.display_signals import PitchContour, Spectrogram
from tutor.feedback.tips import describe
from tutor.scoring.result import UtteranceResult

from .theme import Theme

AXIS_WIDTH = 58
PITCH_RANGE = (50.0, 400.0)
WAVE_MIN_HEIGHT = 90
SPECTROGRAM_MIN_HEIGHT = 160  # px: formants and the pitch line stay readable


@dataclass(frozen=True)
class Interval:
    start: float
    end: float
    label: str
    colour: str
    tooltip: str


def word_intervals(result: UtteranceResult, theme: str) -> list[Interval]:
    return [
        Interval(
            w.start,
            w.end,
            w.text,
            ten_colour(w.accuracy, theme),
            f"<b>{w.text}</b><br>accuracy {w.accuracy:.1f}/10 · stress {w.stress:.1f}/10"
            f"<br><i>click to hear it</i>",
        )
        for w in result.words
    ]


def phone_intervals(result: UtteranceResult, theme: str, notation: str) -> list[Interval]:
    out = []
    for w in result.words:
        for p in w.phones:
            name = describe(p.phone, notation, p.stress, slashes=False)
            if p.heard == "SIL":
                heard = "<br>heard: nothing (missing)"
            elif p.heard and p.heard != p.phone:
                heard = f"<br>heard instead: <b>{describe(p.heard, notation)}</b>"
            else:
                heard = ""
            out.append(
                Interval(
                    p.start,
                    p.end,
                    name,
                    phone_colour(p.score, theme),
                    f"<b>{name}</b> in “{w.text}”<br>score {p.score:.1f}/2{heard}"
                    f"<br><i>click to hear it</i>",
                )
            )
    return out


def axis_width(widget: QWidget) -> int:
    """The side axes' width: wide enough for "phones" and "5000" in the widget's font, the
    same on every plot so that they share one time axis."""
    metrics = widget.fontMetrics()
    return max(AXIS_WIDTH, *(metrics.horizontalAdvance(s) + 16 for s in ("phones", "5000")))


def _style_plot(plot: pg.PlotWidget, t: Theme, show_time: bool) -> None:
    plot.setBackground(t.plot_bg)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=True, y=False)
    plot.hideButtons()
    item = plot.getPlotItem()
    item.layout.setContentsMargins(0, 2, 6, 2)
    for name in ("left", "bottom", "right"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(t.border))
        axis.setTextPen(pg.mkPen(t.muted))
    width = axis_width(plot)
    plot.getAxis("left").setWidth(width)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.showAxis("right")
    plot.getAxis("right").setWidth(width)
    plot.getAxis("right").setStyle(showValues=False)
    plot.showAxis("bottom", show_time)
    if show_time:
        plot.getAxis("bottom").enableAutoSIPrefix(False)  # never "time (s) (x0.001)"
        plot.setLabel("bottom", "time (s)")


class WaveformView(pg.PlotWidget):
    """The recording's waveform with phone segments shaded in their score colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Waveform")
        self.setMinimumHeight(WAVE_MIN_HEIGHT)
        self.curve: pg.PlotDataItem | None = None
        self.regions: list[pg.LinearRegionItem] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=False)
        self.cursor.hide()

    def show_take(
        self, samples: np.ndarray, rate: int, intervals: Sequence[Interval], t: Theme
    ) -> None:
        self.clear()
        _style_plot(self, t, show_time=False)
        left = self.getAxis("left")
        left.setTicks([[(0.0, "wave")]])
        left.setStyle(tickLength=0)
        self.regions = []
        for iv in intervals:
            colour = QColor(iv.colour)
            colour.setAlpha(60 if t.dark else 45)
            region = pg.LinearRegionItem(
                (iv.start, iv.end),
                movable=False,
                brush=QBrush(colour),
                pen=pg.mkPen(None),
            )
            region.setZValue(-10)
            self.addItem(region)
            self.regions.append(region)
        times = np.arange(len(samples), dtype=np.float32) / rate
        self.curve = self.plot(times, samples, pen=pg.mkPen(t.wave, width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        peak = float(np.max(np.abs(samples))) if len(samples) else 1.0
        self.setYRange(-peak * 1.05, peak * 1.05, padding=0)
        self.cursor.setPen(pg.mkPen(t.accent, width=2))
        self.addItem(self.cursor)
        self.cursor.hide()

    def set_cursor(self, seconds: float | None) -> None:
        if seconds is None:
            self.cursor.hide()
        else:
            self.cursor.setValue(seconds)
            self.cursor.show()


class SpectrogramView(pg.PlotWidget):
    """Broadband spectrogram (0-5 kHz) with the pitch contour drawn over it (right axis)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Spectrogram and pitch")
        self.setMinimumHeight(SPECTROGRAM_MIN_HEIGHT)
        self.image = pg.ImageItem()
        self.pitch_box = pg.ViewBox()
        self.pitch_box.setMouseEnabled(x=False, y=False)
        self.pitch_curve = pg.PlotDataItem(connect="finite")
        self.pitch_box.addItem(self.pitch_curve)
        item = self.getPlotItem()
        item.scene().addItem(self.pitch_box)
        self.pitch_box.setZValue(10)  # ViewBoxes default to -100: draw the pitch on top
        item.vb.sigResized.connect(self._sync_pitch_box)

    def _sync_pitch_box(self) -> None:
        self.pitch_box.setGeometry(self.getPlotItem().vb.sceneBoundingRect())
        self.pitch_box.linkedViewChanged(self.getPlotItem().vb, self.pitch_box.XAxis)

    def show_take(self, spec: Spectrogram, pitch: PitchContour, t: Theme) -> None:
        self.getPlotItem().clear()
        _style_plot(self, t, show_time=False)
        self.setLabel("left", "Hz")
        right = self.getAxis("right")
        right.setStyle(showValues=True)
        for axis in (self.getAxis("left"), right):  # no "5000" or "400" cut in half at the top
            axis.setStyle(hideOverlappingLabels=True)
        right.linkToView(self.pitch_box)
        right.setLabel("pitch (Hz)", color=t.pitch)
        self.pitch_box.setXLink(self.getPlotItem().vb)
        cmap = (
            pg.colormap.get("inferno")
            if t.dark
            else pg.ColorMap([0.0, 1.0], [(255, 255, 255), (20, 24, 36)])
        )
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        if len(spec.times) and len(spec.freqs):
            self.image.setImage(spec.db, levels=(-65.0, 0.0), autoLevels=False)
            hop = spec.hop or 0.002
            df = float(spec.freqs[1] - spec.freqs[0]) if len(spec.freqs) > 1 else 1.0
            self.image.setRect(
                QRectF(spec.times[0] - hop / 2, 0.0, hop * len(spec.times), df * len(spec.freqs))
            )
        self.addItem(self.image)
        self.setYRange(0, float(spec.freqs[-1]) if len(spec.freqs) else 5000.0, padding=0)
        self.pitch_curve.setData(pitch.times, pitch.f0, pen=pg.mkPen(t.pitch, width=3))
        self.pitch_box.setYRange(*PITCH_RANGE, padding=0)
        self._sync_pitch_box()


class IntervalItem(QGraphicsRectItem):
    """One labelled, coloured interval; click to hear it, hover for its score."""

    def __init__(self, iv: Interval, tier: TierView, t: Theme) -> None:
        super().__init__(iv.start, 0.0, max(iv.end - iv.start, 1e-4), 1.0)
        self.interval = iv
        self.tier = tier
        colour = QColor(iv.colour)
        self.fill = QColor(colour)
        self.fill.setAlpha(150 if t.dark else 120)
        self.hover_fill = QColor(colour)
        self.hover_fill.setAlpha(235)
        self.setBrush(QBrush(self.fill))
        pen = QPen(QColor(t.plot_bg), 0)
        pen.setCosmetic(True)
        pen.setWidth(2)
        self.setPen(pen)
        self.setToolTip(iv.tooltip)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        # QGraphicsRectItem pads by the pen width in item units, here seconds: a 2 px
        # cosmetic pen would make every interval reach a second either side.
        return self.rect()

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.rect())
        return path

    def hoverEnterEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        self.setBrush(QBrush(self.hover_fill))
        self.tier.hovered.emit(self.interval.tooltip)

    def hoverLeaveEvent(self, event: object) -> None:  # noqa: N802
        self.setBrush(QBrush(self.fill))
        self.tier.hovered.emit("")

    def mouseClickEvent(self, event: object) -> None:  # noqa: N802 (pyqtgraph's name)
        if event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            event.accept()  # type: ignore[attr-defined]
            self.tier.intervalClicked.emit(self.interval.start, self.interval.end)


class TierView(pg.PlotWidget):
    """A Praat-style tier: labelled intervals in score colours."""

    intervalClicked = Signal(float, float)
    hovered = Signal(str)

    def __init__(self, name: str, show_time: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.show_time = show_time
        self.setAccessibleName(f"{name} tier")
        self.setFixedHeight(74 if show_time else 40)
        self.items: list[IntervalItem] = []
        self.labels: list[tuple[pg.TextItem, Interval]] = []
        view = self.getViewBox()
        view.sigXRangeChanged.connect(self._fit_labels)
        view.sigResized.connect(self._fit_labels)

    def show_intervals(self, intervals: Sequence[Interval], t: Theme) -> None:
        self.clear()
        _style_plot(self, t, show_time=self.show_time)
        left = self.getAxis("left")
        left.setTicks([[(0.5, self.name)]])  # the tier's name, written horizontally
        left.setStyle(tickLength=0, hideOverlappingLabels=False)
        self.setYRange(0, 1, padding=0)
        self.items = []
        self.labels = []
        for iv in intervals:
            rect = IntervalItem(iv, self, t)
            self.addItem(rect)
            self.items.append(rect)
            label = pg.TextItem(iv.label, color=t.text, anchor=(0.5, 0.5))
            label.setPos((iv.start + iv.end) / 2, 0.5)
            self.addItem(label)
            self.labels.append((label, iv))
        self._fit_labels()

    def _fit_labels(self, *_args: object) -> None:
        """Hide labels wider than their interval at this zoom, so short phones never
        print on top of each other (hover or zoom in to read them)."""
        view = self.getViewBox()
        (x0, x1), _ = view.viewRange()
        pixels = view.width()
        if x1 <= x0 or pixels <= 0:
            return
        per_second = pixels / (x1 - x0)
        for label, iv in self.labels:
            needed = label.textItem.boundingRect().width() + 2
            label.setVisible(bool((iv.end - iv.start) * per_second >= needed))

    def interval_at(self, seconds: float) -> Interval | None:
        for item in self.items:
            if item.interval.start <= seconds < item.interval.end:
                return item.interval
        return None


class AnalysisView(QWidget):
    """Waveform, spectrogram + pitch, word tier and phone tier on one time axis."""

    playRequested = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Analysis of your recording")
        self.waveform = WaveformView()
        self.spectrogram = SpectrogramView()
        self.words = TierView("words")
        self.phones = TierView("phones", show_time=True)
        self.hover = QLabel(" ")
        self.hover.setObjectName("muted")
        self.hover.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder = QLabel(
            "Press <b>Space</b> and read the prompt aloud, or drop a WAV/FLAC file here."
        )
        self.placeholder.setObjectName("muted")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)  # at 16 pt one line would widen the window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.placeholder, 1)
        for view, stretch in ((self.waveform, 3), (self.spectrogram, 4)):
            layout.addWidget(view, stretch)
        layout.addWidget(self.words)
        layout.addWidget(self.phones)
        layout.addSpacing(4)
        layout.addWidget(self.hover)
        for view in (self.spectrogram, self.words, self.phones):
            view.setXLink(self.waveform)
        for tier in (self.words, self.phones):
            tier.intervalClicked.connect(self.playRequested)
            tier.hovered.connect(self._show_hover)
        self._set_empty(True)

    def _set_empty(self, empty: bool) -> None:
        self.placeholder.setVisible(empty)
        for view in (self.waveform, self.spectrogram, self.words, self.phones, self.hover):
            view.setVisible(not empty)

    def _show_hover(self, html: str) -> None:
        self.hover.setText(html.replace("<br>", " · ") if html else " ")

    def show_take(
        self,
        samples: np.ndarray,
        rate: int,
        spec: Spectrogram,
        pitch: PitchContour,
        result: UtteranceResult | None,
        t: Theme,
        notation: str,
    ) -> None:
        self._set_empty(False)
        phones = phone_intervals(result, t.name, notation) if result else []
        words = word_intervals(result, t.name) if result else []
        self.waveform.show_take(samples, rate, phones, t)
        self.spectrogram.show_take(spec, pitch, t)
        self.words.show_intervals(words, t)
        self.phones.show_intervals(phones, t)
        duration = len(samples) / rate
        for view in (self.waveform, self.spectrogram, self.words, self.phones):
            view.setLimits(xMin=0.0, xMax=max(duration, 0.1))
        self.waveform.setXRange(0.0, duration, padding=0.0)

    def clear_take(self) -> None:
        self._set_empty(True)
