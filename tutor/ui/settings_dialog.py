"""Settings: input device (with a test), theme, font size, phone notation, model voice."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tutor.recording import AudioBackend, Recorder, RecordingError, find_input_device

from .record_bar import METER_FLOOR_DB
from .settings import FONT_SIZES, NOTATIONS, Settings
from .voice_choice import VoiceChoice

TEST_SECONDS = 3.0


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, backend: AudioBackend, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.backend = backend
        self.device = QComboBox()
        self.device.setAccessibleName("Input device")
        self.device.addItem("System default", "")
        try:
            for d in backend.input_devices():
                self.device.addItem(d.name + ("  (default)" if d.default else ""), d.name)
            device_note = ""
        except RecordingError as exc:
            device_note = str(exc)
        self.device.setCurrentIndex(max(self.device.findData(settings.input_device), 0))
        self.test = QPushButton("Test")
        self.test.setAccessibleName("Test input device")
        self.test.clicked.connect(self._start_test)
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.test_note = QLabel(device_note or "Speak after pressing Test: the bar should move.")
        self.test_note.setObjectName("muted")
        self.test_note.setWordWrap(True)
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        self.theme.addItem("Light", "light")
        self.theme.addItem("Dark", "dark")
        self.theme.setCurrentIndex(max(self.theme.findData(settings.theme), 0))
        self.font_size = QComboBox()
        self.font_size.setAccessibleName("Font size")
        for size in FONT_SIZES:
            self.font_size.addItem(f"{size} pt", size)
        self.font_size.setCurrentIndex(max(self.font_size.findData(settings.font_size), 0))
        self.notation = QComboBox()
        self.notation.setAccessibleName("Phone notation")
        for key, label in NOTATIONS.items():
            self.notation.addItem(label, key)
        self.notation.setCurrentIndex(max(self.notation.findData(settings.notation), 0))
        self.voice = VoiceChoice(settings.model_voice)  # parented by the form, in tab order

        device_row = QHBoxLayout()
        device_row.addWidget(self.device, 1)
        device_row.addWidget(self.test)
        form = QFormLayout()
        form.addRow("Input device", device_row)
        form.addRow("", self.level)
        form.addRow("", self.test_note)
        form.addRow("Theme", self.theme)
        form.addRow("Font size", self.font_size)
        form.addRow("Phone notation", self.notation)
        form.addRow("Model &voice", self.voice.combo)
        form.addRow("", self.voice.about)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

        self._recorder: Recorder | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)

    def device_index(self, name: str) -> int | None:
        return find_input_device(self.backend, name)

    def _start_test(self) -> None:
        self._stop_test()
        recorder = Recorder(self.backend)
        try:
            recorder.start(self.device_index(self.device.currentData()))
        except RecordingError as exc:
            self.test_note.setText(str(exc))
            return
        self._recorder = recorder
        self.test_note.setText("Listening… say something.")
        self._timer.start()

    def _poll(self) -> None:
        if self._recorder is None:
            return
        level = self._recorder.level_dbfs
        self.level.setValue(int(100 * (max(level, METER_FLOOR_DB) - METER_FLOOR_DB) / 60))
        if self._recorder.elapsed >= TEST_SECONDS:
            take = self._recorder.stop()
            self._recorder = None
            self._timer.stop()
            peak = float(abs(take).max()) if take.size else 0.0
            self.test_note.setText(
                "The microphone works."
                if peak > 0.02
                else "Nothing was heard: check the device and its input volume."
            )

    def _stop_test(self) -> None:
        self._timer.stop()
        if self._recorder is not None:
            self._recorder.stop()
            self._recorder = None

    def done(self, result: int) -> None:
        self._stop_test()
        super().done(result)

    def apply(self) -> None:
        """Store the chosen values in the settings."""
        self.settings.input_device = str(self.device.currentData() or "")
        self.settings.theme = str(self.theme.currentData())
        self.settings.font_size = int(self.font_size.currentData())
        self.settings.notation = str(self.notation.currentData())
        voice = self.voice.chosen()
        if voice is not None:
            self.settings.model_voice = voice
