"""The dialogs the main window opens: session summary, lesson editor, progress, settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from tutor.progress.store import ProgressError

from .pack_import import pack_saved, packs_dir
from .session_summary import SessionSummaryDialog
from .settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from datetime import datetime

    from tutor.practice import PracticeSession

    from .main_window import MainWindow


def show_dialog(dialog: QDialog) -> None:
    # window-modal but not blocking (open(), not exec()): the app keeps its event loop
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.raise_()


def open_lesson_editor(window: MainWindow) -> None:
    """The teachers' pack editor (add, reorder, record, validate, export)."""
    from .lesson_editor import LessonEditorDialog

    dialog = LessonEditorDialog(window)
    dialog.library_dir = packs_dir(window)  # a new pack is saved into the learner's lessons
    dialog.saved.connect(lambda folder: pack_saved(window, folder))
    dialog.destroyed.connect(lambda: setattr(window, "lesson_editor", None))
    window.lesson_editor = dialog
    show_dialog(dialog)


def open_progress(window: MainWindow) -> None:
    """Per-phone history of the learner's attempts (needs the progress database)."""
    store = window.progress.store
    if store is None:
        window.statusBar().showMessage(
            "No progress database: attempts are kept for this session only."
        )
        return
    from tutor.core.sounds import next_reviews

    from .progress_view import ProgressDialog

    def reviews(name: str) -> dict[str, datetime]:
        return next_reviews(window.library, lambda pack: store.attempt_records(name, pack))

    dialog = ProgressDialog(
        store, window, learner=window.progress.learner, theme=window.t, next_reviews=reviews
    )
    dialog.destroyed.connect(lambda: setattr(window, "progress_dialog", None))
    window.progress_dialog = dialog
    show_dialog(dialog)


def open_settings(window: MainWindow) -> None:
    dialog = SettingsDialog(window.settings, window.backend, window)
    if dialog.exec():
        dialog.apply()
        window.apply_theme()
        window.playback.voice = window.settings.model_voice


def open_summary(window: MainWindow, session: PracticeSession) -> None:
    """How ``session`` went, per focus sound; "practise the missed items" starts a sitting
    over them."""
    if window.summary_dialog is not None:
        window.summary_dialog.close()
    dialog = SessionSummaryDialog(
        session.summary(),
        title=session.pack.title,
        item_texts={i.id: i.text for i in session.pack.items},
        notation=window.settings.notation,
        theme=window.t,
        parent=window,
    )
    dialog.practiseMissed.connect(lambda: window.practise_missed(session))
    dialog.finished.connect(lambda _code: _summary_closed(window, dialog))
    window.summary_dialog = dialog
    window.sitting.summary_shown(session)
    show_dialog(dialog)


def _summary_closed(window: MainWindow, dialog: SessionSummaryDialog) -> None:
    if window.summary_dialog is dialog:
        window.summary_dialog = None


def ask_learner(window: MainWindow) -> None:
    """Choose who practises (a name from the list, or a new one)."""
    names = window.progress.learners()
    current = names.index(window.progress.learner) if window.progress.learner in names else 0
    name, ok = QInputDialog.getItem(
        window,
        "Switch learner",
        "Who is practising? (type a new name to add a learner)",
        names,
        current,
        True,
    )
    if ok and name.strip() and name.strip() != window.progress.learner:
        try:
            window.switch_learner(name)
        except ProgressError as exc:  # an empty or overlong name
            window.report(str(exc))


def confirm_close_with_unsaved_takes(window: MainWindow, count: int) -> str:
    """Ask before closing while takes wait to be saved: ``"save"``, ``"discard"`` or
    ``"cancel"`` (Escape and closing the question cancel, so nothing is lost by accident)."""
    box = QMessageBox(window)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved takes")
    takes = "1 take was" if count == 1 else f"{count} takes were"
    box.setText(f"{takes} not saved ({window.unsaved_take.reason}).")
    box.setInformativeText("Save them somewhere else before closing?")
    save = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Close without saving", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def may_close(window: MainWindow) -> bool:
    """Whether the window may close: yes unless takes wait to be saved and the learner
    cancels, or chooses to save them and the save does not happen."""
    held = window.unsaved_take
    if not held.pending:
        return True
    answer = confirm_close_with_unsaved_takes(window, len(held.takes))
    return answer == "discard" or (answer == "save" and held.save_as() is not None)
