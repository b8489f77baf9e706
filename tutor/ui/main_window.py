"""The main window: lesson list, prompt, recorder, analysis views and feedback.

It composes small parts and draws what the core says: the lesson tree, the take pipeline,
playback, the feedback column (each its own module); the sitting's logic lives in
:class:`tutor.core.Sitting` and the learner's attempts in :class:`tutor.core.Progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel, QMainWindow, QSplitter

from tutor.core import Library, PackItem, Progress, Sitting, expected_words
from tutor.core.expected import ExpectedWords
from tutor.feedback.advice import advice
from tutor.practice import PracticeSession
from tutor.recording import AudioBackend

from . import main_layout as layout
from . import theme as themes
from .feedback_panel import FeedbackPanel
from .lesson_tree import LessonTree
from .main_layout import build_layout, build_menus, fit_to_screen, restore_geometry, save_geometry
from .pack_import import dropped_pack, import_pack_file
from .playback import Playback
from .progress_notice import ProgressNotice
from .prompt import PromptView
from .record_bar import RecordBar
from .review_due import show_lessons
from .session_summary import SessionSummaryDialog
from .settings import Settings
from .take_pipeline import TakePipeline, dropped_audio
from .unsaved_take import UnsavedTake
from .views import AnalysisView
from .window_dialogs import may_close, open_summary
from .workers import ScorerFactory, ScoringService, Take, TaskRunner

DEFAULT_SIZE = (1380, 860)


class MainWindow(QMainWindow):
    """The practice loop. Collaborators are injected so tests can use fakes."""

    takeShown = Signal()  # a take (scored or not) has been drawn
    # built by :func:`.main_layout.build_layout` and :func:`.main_layout.build_menus`
    position: QLabel
    prompt: PromptView
    item_tip: QLabel
    record_bar: RecordBar
    analysis: AnalysisView
    feedback: FeedbackPanel
    splitter: QSplitter
    model_status: QLabel
    session_status: QLabel
    unsaved_take: UnsavedTake
    progress_notice: ProgressNotice
    open_action: QAction
    import_action: QAction
    remove_pack_action: QAction
    about_action: QAction
    record_action: QAction
    replay_action: QAction
    next_action: QAction
    prev_action: QAction
    summary_action: QAction
    editor_action: QAction
    progress_action: QAction
    learner_action: QAction
    compare_word_action: QAction
    attempts_action: QAction

    def __init__(
        self,
        *,
        backend: AudioBackend,
        library: Library,
        settings: Settings,
        data_dir: Path,
        scorer_factory: ScorerFactory,
        progress: Progress | None = None,
        runner: TaskRunner | None = None,
        library_loader: Callable[[], Library] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Tutor — pronunciation practice")
        self.setAccessibleName("Tutor main window")
        self.setAcceptDrops(True)
        self.backend = backend
        self.library = library
        self.library_loader = library_loader  # re-reads the packs after the editor saves
        self.lesson_editor: QDialog | None = None
        self.progress_dialog: QDialog | None = None
        self.summary_dialog: SessionSummaryDialog | None = None
        self.settings = settings
        self.data_dir = data_dir
        self.progress = progress or Progress()
        self.sitting = Sitting(self.progress)
        self.runner = runner or TaskRunner(parent=self)
        self.service = ScoringService(self.runner, scorer_factory, self)
        self.items: list[PackItem] = library.entries()
        self.item: PackItem | None = None
        self.take: Take | None = None
        self.take_path: Path | None = None
        self._expected: dict[str, ExpectedWords] = {}
        self.last_latency_ms: float | None = None
        self.t = themes.theme(settings.theme)

        self.lessons = LessonTree()
        self.lessons.fill(self.items)
        self.lessons.itemChosen.connect(self.select_item)
        build_layout(self)
        self.playback = Playback(backend, self.runner, self.report, self, settings.model_voice)
        self.takes = TakePipeline.for_window(self)
        self.recorder = self.takes.recorder
        self.takes.takeScored.connect(self._on_take)
        self.takes.takeUnscored.connect(self._show_unscored)
        build_menus(self)
        self.service.stateChanged.connect(self._on_model_state)
        self._restore()
        self.lessons.setFocus()  # not the search box: single-key shortcuts work from the start
        if library.problems:
            self.report(library.problem_summary())

    @property
    def session(self) -> PracticeSession | None:
        """The practice session of this sitting."""
        return self.sitting.session

    def report(self, message: str) -> None:
        self.statusBar().showMessage(message, layout.REPORT_MS)

    def switch_learner(self, name: str) -> None:
        """Practise as ``name`` from now on: the lessons are re-planned from their history
        and a new sitting starts."""
        self.progress.switch_learner(name)
        self.settings.learner = self.progress.learner
        self.sitting = Sitting(self.progress)
        self.reload_lessons()
        pack_id, _, item_id = self.settings.last_item.partition("/")  # where they left off
        wanted = self._index_of((pack_id, item_id))
        if self.item is not None:
            self.select_item(self.current_index() if wanted is None else wanted)
        self.report(f"Practising as {self.progress.learner}.")

    def reload_lessons(self, _folder: object = None) -> None:
        """Re-read the packs (after the lesson editor saved one); keep the current item."""
        if self.library_loader is None:
            return
        current = self.item
        self.library = self.library_loader()
        self.items = self.library.entries()
        self.lessons.fill(self.items)
        self.sitting.packs_changed(self.library.pack)
        self._show_session()
        if not self.items:
            return
        index = self._index_of(current.key) if current is not None else None
        if index is None:
            self.select_item(0)
        else:  # same item: keep the take on screen, just point the tree at it again
            self.item = self.items[index]
            self.lessons.point_at(index)
        if self.library.problems:
            self.report(self.library.problem_summary())
        else:
            self.statusBar().showMessage("Lessons reloaded.", 4000)

    def _restore(self) -> None:
        restore_geometry(self, DEFAULT_SIZE)
        wanted = self.settings.last_item
        index = next((i for i, it in enumerate(self.items) if f"{it.pack_id}/{it.id}" == wanted), 0)
        if self.items:
            self.select_item(index)

    # --- lifecycle ---------------------------------------------------------------------
    def fit_to_screen(self) -> None:
        """Never open larger than the available screen (1280x800 laptops, a moved monitor)."""
        fit_to_screen(self)

    def start(self) -> None:
        """Begin loading the model in the background (call once the window is shown)."""
        self.service.load()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if not may_close(self):  # takes that could not be saved are never dropped unasked
            event.ignore()
            return
        self.takes.abandon()
        self.backend.stop_playback()
        self.runner.wait(3000)  # let a running score finish rather than kill its thread
        if self.progress.keeper is not None:
            self.progress.keeper.backup_if_due()  # the day's backup of the progress file
        save_geometry(self)
        super().closeEvent(event)

    def apply_theme(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.t = themes.apply(app, self.settings.theme, self.settings.font_size)
        else:
            self.t = themes.theme(self.settings.theme)
        self.prompt.word_pt = self.settings.font_size * 2 + 4
        self._show_session()
        self._refresh()

    # --- items -------------------------------------------------------------------------
    def select_item(self, index: int) -> None:
        if not self.items:
            return
        index = max(0, min(index, len(self.items) - 1))
        item = self.items[index]
        if self.recorder.recording:
            self.takes.stop_recording()
        self.item = item
        self.take, self.take_path = None, None
        self.settings.last_item = f"{item.pack_id}/{item.id}"
        left = self.sitting.show(item.key, self.library.pack(item.pack_id))
        self._show_session()
        if left is not None:  # no pop-up on a pack switch: the summary waits in the menu
            self.report(f"Your summary of {left.pack.title} is under Practice → Session summary.")
        self.lessons.point_at(index)
        pack_items = [i for i in self.items if i.pack_id == item.pack_id]
        where = f"{pack_items.index(item) + 1} of {len(pack_items)}" if item in pack_items else ""
        self.position.setText(f"{item.pack.title}  ·  {where}".upper())
        self.item_tip.setText(item.tip)
        self.item_tip.setVisible(bool(item.tip))
        self.analysis.clear_take()
        self.record_bar.show_message("")
        self._refresh()
        self._load_expected(item)

    def current_index(self) -> int:
        return self.items.index(self.item) if self.item in self.items else 0

    def _index_of(self, key: tuple[str, str]) -> int | None:
        return next((n for n, it in enumerate(self.items) if it.key == key), None)

    def next_item(self) -> None:
        """Where the sitting goes next (see :meth:`tutor.core.Sitting.next_step`)."""
        step = self.sitting.next_step()
        index = self._index_of(step.item) if step.item is not None else None
        if step.kind == "summary" and self.session is not None:
            open_summary(self, self.session)
        elif step.kind == "stay":
            self.statusBar().showMessage(step.message, 8000)
        elif index is None:
            self.select_item(self.current_index() + 1)
        else:
            self.select_item(index)

    def previous_item(self) -> None:
        self.select_item(self.current_index() - 1)

    def _load_expected(self, item: PackItem) -> None:
        key = item.text
        if key in self._expected:
            return
        scorer = self.service.scorer

        def done(words: ExpectedWords) -> None:
            self._expected[key] = words
            if self.item is item and self.take is None:
                self._refresh()

        self.runner.submit(
            lambda: expected_words(item.text, item.overrides, scorer), done, lambda msg: None
        )

    # --- the sitting -------------------------------------------------------------------
    def _show_session(self) -> None:
        """Mark the list's items for this sitting and count what is left."""
        show_lessons(self)  # marks, due badges and the "Review due" group
        self.session_status.setText(self.sitting.status())

    def show_session_summary(self) -> None:
        """How this sitting (or the one left by switching packs) went, per sound."""
        session = self.sitting.summary_session()
        if session is None:
            self.statusBar().showMessage("Choose an item to start a practice session.", 6000)
            return
        open_summary(self, session)

    def practise_missed(self, session: PracticeSession | None = None) -> None:
        """A new sitting over the items ``session`` (default: this one) left to review."""
        try:
            head = self.sitting.practise_missed(session)
        except ValueError:
            self.statusBar().showMessage("Nothing to practise again: every item passed.", 6000)
            return
        self._show_session()
        index = self._index_of(head) if head else None
        if index is not None:
            self.select_item(index)

    # --- drawing -----------------------------------------------------------------------
    def _refresh(self) -> None:
        """Redraw prompt, analysis and feedback for the current item and take."""
        item, take, notation = self.item, self.take, self.settings.notation
        if item is None:
            return
        result = take.result if take else None
        if result is not None:
            self.prompt.show_result(result, notation, self.t.name)
        else:
            words = self._expected.get(item.text)
            if words is None:
                words = [(w, ()) for w in item.text.split()]
            self.prompt.show_expected(words, notation, self.t.muted)
        if take is not None:
            self.analysis.show_take(
                take.samples, take.rate, take.spectrogram, take.pitch, result, self.t, notation
            )
        tips = advice(result, 3) if result else []
        message = ""
        if take is not None and result is None:
            message = self.service.message
        self.feedback.show_result(result, tips, notation, self.t, self.settings.font_size, message)
        self.feedback.show_history(self.progress.attempts(*item.key), self.t)
        self.record_bar.play_mine.setEnabled(take is not None)

    # --- takes -------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        self.takes.toggle_recording()

    def score_samples(self, samples: np.ndarray, rate: int, path: Path | None) -> None:
        """Score a take of the item on screen (see :class:`TakePipeline`)."""
        self.takes.score_samples(samples, rate, path)

    def _on_take(self, take: Take, path: Path | None, item: PackItem) -> None:
        if take.result is not None:
            self.progress.record(item.pack_id, item.id, take.result, path)
            self.progress_notice.refresh()
            message = self.sitting.record(item.key, take.result)
            if message is not None:
                self._show_session()
                self.report(message)
        if self.item is not item:
            return
        self.take, self.take_path = take, path
        self._refresh()
        note = self.takes.take_note(path)
        if take.result is None:
            self.record_bar.show_message(self.service.message, error=True, colour=self.t.muted)
        else:
            self.record_bar.show_message(note)
        self.last_latency_ms = self.takes.latency_ms()  # for tests and Help › About; not shown
        self.takeShown.emit()

    def _take_saved_as(self, path: Path) -> None:
        """The unsaved takes were saved where the learner chose."""
        self.report(f"Saved the take to {path}")
        if self.take_path is None:
            self.take_path = path

    def _show_unscored(self, take: Take, path: Path | None, item: PackItem, msg: str) -> None:
        if self.item is item:
            self.take, self.take_path = take, path
            self._refresh()
            self.feedback.summary.setText(msg)
            self.takeShown.emit()

    def _on_model_state(self, state: str, message: str) -> None:
        colour = self.t.record if state == ScoringService.UNAVAILABLE else self.t.muted
        self.model_status.setText(("⏳ " if state == ScoringService.LOADING else "") + message)
        self.model_status.setStyleSheet(f"color: {colour};")
        if state == ScoringService.READY and self.item is not None:
            self._expected.pop(self.item.text, None)
            self._load_expected(self.item)

    # --- files -------------------------------------------------------------------------
    def open_audio_file(self, path: str | Path | None = None) -> None:
        if not path:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Open audio file", str(Path.home()), "Audio (*.wav *.flac *.ogg)"
            )
            if not chosen:
                return
            path = chosen
        self.takes.open_audio_file(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        if dropped_audio(event) is not None or dropped_pack(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        """An audio file is scored; a ``.tutorpack`` is imported into the lessons."""
        pack, path = dropped_pack(event), dropped_audio(event)
        if pack is not None or path is not None:
            event.acceptProposedAction()
        if pack is not None:
            import_pack_file(self, pack)
        elif path is not None:
            self.open_audio_file(path)
