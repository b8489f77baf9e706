"""The status-bar notice for progress that is not being saved, with "Restore backup".

Shown at start when the progress file was damaged (and set aside) or cannot be written,
and after any attempt whose save failed; hidden while everything is saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from tutor.core import Progress

SHORT = 90  # characters of the message shown in the bar; the tooltip holds all of it


class ProgressNotice(QWidget):
    def __init__(self, progress: Progress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.label = QLabel("")
        self.label.setObjectName("progressNotice")
        self.label.setAccessibleName("Progress saving")
        self.restore = QPushButton("Restore backup")
        self.restore.setAccessibleName("Restore the last good progress backup")
        self.restore.clicked.connect(lambda: self.restore_backup())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.restore)
        self.refresh()

    @property
    def text(self) -> str:
        """The whole message ("" when progress is being saved)."""
        return self.label.toolTip()

    def refresh(self) -> None:
        keeper = self.progress.keeper
        message = self.progress.last_error or self.progress.problem
        short = message if len(message) <= SHORT else message[: SHORT - 1] + "…"
        self.label.setText(("⚠ " + short) if message else "")
        self.label.setToolTip(message)
        self.restore.setVisible(keeper is not None and keeper.backup is not None)
        self.setVisible(bool(message))

    def restore_backup(self, confirm: bool = True) -> int | None:
        keeper = self.progress.keeper
        if keeper is None or keeper.backup is None:
            return None
        if (
            confirm
            and QMessageBox.question(
                self,
                "Restore progress",
                f"Replace the progress file with the backup {keeper.backup.name}? The attempts "
                "made since the app started are kept, and so is the damaged file.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return None
        try:
            carried = self.progress.restore_backup()
        except Exception as exc:  # ProgressError, OSError: say it, keep going
            self.label.setText(f"⚠ The backup could not be restored: {exc}")
            self.label.setToolTip(self.label.text())
            return None
        self.refresh()
        return int(carried)
