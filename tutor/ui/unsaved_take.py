"""A take that could not be saved: kept in memory, with a "Save take as…" button.

When writing a recording fails (full disk, read-only folder...) the window still scores the
take; this widget holds its samples, says in the status bar what failed, and lets the
learner save it somewhere else. It hides itself once the take is saved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from tutor.atomic import SaveError
from tutor.recording import write_recording


class UnsavedTake(QPushButton):
    """A status-bar button, visible only while a take waits to be saved."""

    saved = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Save take as…", parent)
        self.setAccessibleName("Save the unsaved take as")
        self.setToolTip("This take could not be saved automatically: choose where to save it")
        self.samples: np.ndarray | None = None
        self.rate = 0
        self.reason = ""
        self.clicked.connect(lambda: self.save_as())
        self.hide()

    @property
    def pending(self) -> bool:
        return self.samples is not None

    def hold(self, samples: np.ndarray, rate: int, reason: str) -> None:
        self.samples, self.rate, self.reason = samples, rate, reason
        self.show()

    def clear(self) -> None:
        self.samples, self.reason = None, ""
        self.hide()

    @property
    def note(self) -> str:
        """What to tell the learner about the take while it is unsaved."""
        if not self.pending:
            return ""
        return f"{self.reason} It is kept until you close the app: use Save take as… to keep it."

    def save_as(self, path: str | Path | None = None) -> Path | None:
        """Save the held take to ``path`` (asks when ``None``); ``None`` if not saved."""
        if self.samples is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save take as", str(Path.home() / "take.wav"), "WAV audio (*.wav)")
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if path.suffix.lower() != ".wav":
            path = path.with_name(path.name + ".wav")
        try:
            out = write_recording(self.samples, self.rate, path)
        except SaveError as exc:
            self.reason = str(exc)
            self.setToolTip(self.reason)
            return None
        self.clear()
        self.saved.emit(out)
        return out
