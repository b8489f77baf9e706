"""The lesson editor's reference audio: record a take, or choose a file, for the item."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
)

from tutor.lessons import LessonItem
from tutor.lessons.reference_audio import install_reference, install_reference_file
from tutor.recording import RECORD_RATE, AudioBackend, Recorder, RecordingError


class ReferenceAudio(QDialog):
    """The editor dialog's reference-audio actions (the base of :class:`LessonEditorDialog`,
    which builds the widgets named here)."""

    folder: Path | None
    items: list[LessonItem]
    item_list: QListWidget
    audio_label: QLabel
    record_button: QPushButton
    _backend: AudioBackend | None
    _recorder: Recorder | None
    _record_timer: QTimer
    _dirty: bool

    def _ask_folder(self) -> bool:
        raise NotImplementedError

    def set_item_audio(self, relative: str | None) -> None:
        row = self.item_list.currentRow()
        if 0 <= row < len(self.items):
            self.items[row] = dataclasses.replace(self.items[row], audio=relative)
            self.audio_label.setText(relative or "none")
            self._dirty = True

    def _ask_audio(self) -> None:
        if self.folder is None and not self._ask_folder():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Reference audio", "", "Audio (*.wav *.flac *.ogg)"
        )
        if name:
            self.import_audio(Path(name))

    def import_audio(self, source: Path) -> str | None:
        """Copy an audio file into the pack's ``audio/`` folder and use it for the item."""
        assert self.folder is not None
        row = self.item_list.currentRow()
        if not 0 <= row < len(self.items):
            return None
        relative, problem = install_reference_file(self.folder, self.items[row].id, source)
        if relative is None:  # the item's accepted recording, if any, is untouched
            QMessageBox.warning(self, "Audio not used", problem or "")
            return None
        self.set_item_audio(relative)
        return relative

    def _toggle_recording(self, on: bool) -> None:
        if on:
            if self.folder is None and not self._ask_folder():
                self.record_button.setChecked(False)
                return
            if self._backend is None:
                from tutor.recording import default_backend

                self._backend = default_backend()
            self._recorder = Recorder(self._backend)
            try:
                self._recorder.start()
            except RecordingError as exc:
                self._recorder = None
                self.record_button.setChecked(False)
                QMessageBox.warning(self, "Cannot record", str(exc))
                return
            self.record_button.setText("Stop")
            self._record_timer.start()
        else:
            self._record_timer.stop()
            self.record_button.setText("Record reference")
            if self._recorder is not None and self._recorder.recording:
                self.save_take(self._recorder.stop())
            self._recorder = None

    def _poll_recording(self) -> None:
        if self._recorder is not None and self._recorder.should_stop():
            self.record_button.setChecked(False)

    def save_take(self, samples: object) -> str | None:
        import numpy as np
        import soundfile as sf

        take = np.asarray(samples, dtype=np.float32)
        row = self.item_list.currentRow()
        if self.folder is None or not 0 <= row < len(self.items) or take.size == 0:
            return None
        relative, problem = install_reference(  # a new take never deletes an accepted one
            self.folder,
            self.items[row].id,
            ".wav",
            lambda tmp: sf.write(str(tmp), np.clip(take, -1, 1), RECORD_RATE, subtype="PCM_16"),
        )
        if relative is None:
            QMessageBox.warning(self, "Recording not used", problem or "")
            return None
        self.set_item_audio(relative)
        return relative
