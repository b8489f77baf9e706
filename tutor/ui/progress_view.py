"""Per-phone progress over time for one learner, with CSV export for the teacher.

Open it with ``ProgressDialog(store, parent).exec()``, where ``store`` is the app's
:class:`tutor.progress.ProgressStore`.
"""

from __future__ import annotations

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
    QVBoxLayout,
    QWidget,
)

from tutor.progress import ProgressError, ProgressStore, export_csv
from tutor.scoring.phones import to_ipa


class ProgressDialog(QDialog):
    def __init__(
        self, store: ProgressStore, parent: QWidget | None = None, learner: str | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Progress")
        self.resize(820, 520)
        self.learner_combo = QComboBox()
        self.learner_combo.setAccessibleName("Learner")
        self.phone_combo = QComboBox()
        self.phone_combo.setAccessibleName("Phone")
        self.summary = QLabel()
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setYRange(0, 2)
        self.plot.setLabel("left", "score (0 wrong … 2 right)")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(width=2), symbol="o", symbolSize=7)
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
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)

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

    def _phone_changed(self, *_: object) -> None:
        phone, name = self.phone(), self.learner()
        points = self.store.phone_history(name, phone) if phone and name else []
        xs = [p.when.timestamp() for p in points]
        ys = [p.score for p in points]
        self.curve.setData(xs, ys)
        self.plot.setTitle(f"{phone} /{to_ipa(phone)}/ over time" if phone else "No attempts yet")
        if points:
            self.summary.setText(
                f"{len(points)} attempts with {phone}: first {ys[0]:.1f}, "
                f"latest {ys[-1]:.1f}, best {max(ys):.1f} (of 2)."
            )
        else:
            self.summary.setText("Practise some items to see progress here.")

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
        QMessageBox.information(self, "Exported", f"{n} attempts written to {out}.")
