"""Takes that could not be saved: kept in memory, with a "Save take as…" button.

When writing a recording fails (full disk, read-only folder...) the window still scores the
take; this widget holds its samples (every unsaved take of the session, not only the last),
says in the status bar what failed, and lets the learner save them somewhere else. It hides
itself once they are saved.
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
        self.takes: list[tuple[np.ndarray, int]] = []  # oldest first
        self.reason = ""
        self.clicked.connect(lambda: self.save_as())
        self.hide()

    @property
    def pending(self) -> bool:
        return bool(self.takes)

    @property
    def samples(self) -> np.ndarray | None:
        """The latest unsaved take."""
        return self.takes[-1][0] if self.takes else None

    def hold(self, samples: np.ndarray, rate: int, reason: str) -> None:
        self.takes.append((samples, rate))
        self.reason = reason
        self.setText(
            "Save take as…" if len(self.takes) == 1 else f"Save {len(self.takes)} takes as…"
        )
        self.show()

    def clear(self) -> None:
        self.takes, self.reason = [], ""
        self.hide()

    @property
    def note(self) -> str:
        """What to tell the learner about the take while it is unsaved."""
        if not self.pending:
            return ""
        return f"{self.reason} It is kept until you close the app: use Save take as… to keep it."

    def save_as(self, path: str | Path | None = None) -> Path | None:
        """Save the held takes to ``path`` (asks when ``None``; with several takes the
        earlier ones get ``-1``, ``-2``... before the extension). Returns the path of the
        latest take, or ``None`` if not everything was saved (what was saved is dropped
        from memory, the rest is kept)."""
        if not self.takes:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save take as", str(Path.home() / "take.wav"), "WAV audio (*.wav)"
            )
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if path.suffix.lower() != ".wav":
            path = path.with_name(path.name + ".wav")
        out, total, number = path, len(self.takes), 0
        while self.takes:
            samples, rate = self.takes[0]
            number += 1
            out = path if number == total else path.with_name(f"{path.stem}-{number}{path.suffix}")
            try:
                write_recording(samples, rate, out)
            except SaveError as exc:
                self.reason = str(exc)
                self.setToolTip(self.reason)
                return None
            self.takes.pop(0)
        self.clear()
        self.saved.emit(out)
        return out
