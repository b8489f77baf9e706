"""The practice controls: big Record/Stop, input level, elapsed time, playback buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

METER_FLOOR_DB = -60.0


class RecordBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = QPushButton("●  Record")
        self.record.setObjectName("recordButton")
        self.record.setMinimumHeight(60)  # as wide as its text needs at any font size
        self.record.setAccessibleName("Record")
        self.record.setToolTip("Record / stop (Space). Stops by itself after a pause.")
        self.record.setProperty("recording", False)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setAccessibleName("Input level")
        self.elapsed = QLabel("0.0 s")
        self.elapsed.setObjectName("muted")
        self.elapsed.setAccessibleName("Elapsed time")
        self.elapsed.setMinimumWidth(60)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Recording message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.play_mine = QPushButton("My recording")
        self.play_mine.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_mine.setAccessibleName("Play my recording")
        self.play_mine.setToolTip("Play my recording (R; slowly: Shift+R)")
        self.play_reference = QPushButton("Reference")
        self.play_reference.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume))
        self.play_reference.setAccessibleName("Play reference")
        self.play_reference.setToolTip("Hear the model (F; slowly: Shift+F)")
        self.slow = QCheckBox("Slow")
        self.slow.setAccessibleName("Slow playback")
        self.slow.setToolTip(
            "Play the model, your recording and clicked words at 3/4 speed, same pitch"
        )

        meter_row = QHBoxLayout()
        meter_row.addWidget(self.meter, 1)
        meter_row.addWidget(self.elapsed)
        middle = QVBoxLayout()
        middle.setSpacing(6)
        middle.addLayout(meter_row)
        middle.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_mine)
        buttons.addWidget(self.play_reference)
        buttons.addWidget(self.slow)
        middle.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(18)
        layout.addWidget(self.record)
        layout.addLayout(middle, 1)

    def set_recording(self, recording: bool) -> None:
        self.record.setText("■  Stop" if recording else "●  Record")
        self.record.setAccessibleName("Stop" if recording else "Record")
        self.record.setProperty("recording", recording)
        self.record.style().unpolish(self.record)
        self.record.style().polish(self.record)
        if not recording:
            self.meter.setValue(0)

    def set_level(self, dbfs: float, seconds: float) -> None:
        share = (max(dbfs, METER_FLOOR_DB) - METER_FLOOR_DB) / -METER_FLOOR_DB
        self.meter.setValue(int(round(100 * share)))
        self.elapsed.setText(f"{seconds:.1f} s")

    def show_message(self, text: str, error: bool = False, colour: str = "") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};" if error and colour else "")
