"""Per-phone progress over time for one learner, with CSV export for the teacher.

Open it with ``ProgressDialog(store, parent).exec()``, where ``store`` is the app's
:class:`tutor.progress.ProgressStore`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tutor.core.sounds import plural, sound_overview
from tutor.progress import ProgressError, ProgressStore, export_csv
from tutor.progress.store import PhonePoint
from tutor.scoring.phones import to_ipa

from .sound_overview import SoundTable
from .theme import Theme
from .theme import theme as default_theme

NextReviews = Callable[[str], dict[str, datetime]]  # learner -> {phone: next review}


class ProgressDialog(QDialog):
    def __init__(
        self,
        store: ProgressStore,
        parent: QWidget | None = None,
        learner: str | None = None,
        theme: Theme | None = None,
        next_reviews: NextReviews | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.t = theme or default_theme("light")
        self.next_reviews = next_reviews
        self.setWindowTitle("Progress")
        self.resize(820, 520)
        self.learner_combo = QComboBox()
        self.learner_combo.setAccessibleName("Learner")
        self.phone_combo = QComboBox()
        self.phone_combo.setAccessibleName("Phone")
        self.summary = QLabel()
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setBackground(self.t.plot_bg)  # the theme's, never black in the light one
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setPen(pg.mkPen(self.t.border))
            self.plot.getAxis(side).setTextPen(pg.mkPen(self.t.muted))
        self.plot.setYRange(0, 2)
        self.plot.setLabel("left", "score (0 wrong … 2 right)")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve = self.plot.plot(
            [],
            [],
            pen=pg.mkPen(self.t.accent, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=self.t.accent,
        )
        # hover a point: the words behind it
        self.spots = pg.ScatterPlotItem(
            size=12, pen=None, brush=(0, 0, 0, 0), hoverable=True, tip=lambda x, y, data: str(data)
        )
        self.plot.addItem(self.spots)
        self.sounds = SoundTable()
        self.sounds.soundChosen.connect(self.show_sound)
        learner_csv = QPushButton("Export learner CSV…")
        class_csv = QPushButton("Export class CSV…")
        learner_csv.clicked.connect(lambda: self._ask_export(self.learner()))
        class_csv.clicked.connect(lambda: self._ask_export(None))

        row = QHBoxLayout()
        for w in (QLabel("Learner"), self.learner_combo, QLabel("Sound"), self.phone_combo):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(learner_csv)
        row.addWidget(class_csv)
        layout = QVBoxLayout(self)
        chart = QWidget()
        cl = QVBoxLayout(chart)
        cl.addWidget(self.plot, 1)
        cl.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sounds, "All sounds")
        self.tabs.addTab(chart, "One sound over time")
        layout.addLayout(row)
        layout.addWidget(self.tabs, 1)

        self.learner_combo.currentTextChanged.connect(self._learner_changed)
        self.phone_combo.currentIndexChanged.connect(self._phone_changed)
        names = [lr.name for lr in store.learners()]
        self.learner_combo.addItems(names)
        if learner in names:
            self.learner_combo.setCurrentText(learner)

    def learner(self) -> str:
        return self.learner_combo.currentText()

    def phone(self) -> str:
        return str(self.phone_combo.currentData() or "")

    def _learner_changed(self, name: str) -> None:
        practised = self.store.phones_practised(name) if name else {}
        self.phone_combo.blockSignals(True)
        self.phone_combo.clear()
        # weakest first: that is the chart a learner or teacher wants to see
        for phone, (count, mean) in sorted(practised.items(), key=lambda kv: kv[1][1]):
            self.phone_combo.addItem(f"{phone} /{to_ipa(phone)}/  avg {mean:.1f} ({count}×)", phone)
        self.phone_combo.blockSignals(False)
        self._phone_changed()
        self._fill_sounds(name, list(practised))

    def _fill_sounds(self, name: str, phones: Sequence[str]) -> None:
        history = {p: [pt.score for pt in self.store.phone_history(name, p)] for p in phones}
        due = self.next_reviews(name) if self.next_reviews and name else {}
        now = datetime.now(UTC)
        self.sounds.fill(sound_overview(history, due), self.t.name, now)

    def show_sound(self, phone: str) -> None:
        """The chart of one sound (double-click in the overview)."""
        index = self.phone_combo.findData(phone)
        if index >= 0:
            self.phone_combo.setCurrentIndex(index)
        self.tabs.setCurrentIndex(1)

    def _phone_changed(self, *_: object) -> None:
        phone, name = self.phone(), self.learner()
        points = self.store.phone_history(name, phone) if phone and name else []
        xs = [p.when.timestamp() for p in points]
        ys = [p.score for p in points]
        self.curve.setData(xs, ys)
        self.spots.setData(xs, ys, data=[self._point_tip(phone, p) for p in points])
        if len(xs) == 1:  # one point: a day either side, not a meaningless sub-second axis
            self.plot.setXRange(xs[0] - 86400, xs[0] + 86400, padding=0)
        elif xs:
            self.plot.enableAutoRange(axis="x")
        self.plot.setTitle(f"{phone} /{to_ipa(phone)}/ over time" if phone else "No attempts yet")
        if points:
            self.summary.setText(
                f"{plural(len(points), 'attempt')} with {phone}: first {ys[0]:.1f}, "
                f"latest {ys[-1]:.1f}, best {max(ys):.1f} (of 2)."
            )
        else:
            self.summary.setText("Practise some items to see progress here.")

    def _point_tip(self, phone: str, point: PhonePoint) -> str:
        """The words behind one point of the chart, its score and its day."""
        words = [w for w, ph, _ in self.store.phone_rows(point.attempt_id) if ph == phone]
        said = ", ".join(dict.fromkeys(words)) or "?"
        return f"{said}: {point.score:.1f} of 2\n{point.when.astimezone():%d %b %Y %H:%M}"

    def point_tips(self) -> list[str]:
        """The hover texts of the chart's points (for tests)."""
        return [str(d) for d in self.spots.data["data"]]

    def history_points(self) -> tuple[list[float], list[float]]:
        """The plotted points (for tests)."""
        xs, ys = self.curve.getData()
        return ([] if xs is None else list(xs)), ([] if ys is None else list(ys))

    def _ask_export(self, learner: str | None) -> None:
        default = f"{learner or 'class'}-progress.csv"
        out, _ = QFileDialog.getSaveFileName(self, "Export CSV", default, "CSV (*.csv)")
        if not out:
            return
        try:
            n = export_csv(self.store, Path(out), learner)
        except (ProgressError, OSError) as exc:
            from tutor.atomic import describe_write_error

            why = describe_write_error(exc, out) if isinstance(exc, OSError) else str(exc)
            QMessageBox.warning(self, "Export failed", why)
            return
        QMessageBox.information(self, "Exported", f"{plural(n, 'attempt')} written to {out}.")
