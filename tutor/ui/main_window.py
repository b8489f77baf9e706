"""The main window: lesson list, prompt, recorder, analysis views and feedback."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFrame,
    QHeaderView,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tutor.atomic import SaveError
from tutor.feedback.advice import advice
from tutor.feedback.bands import Band, colour
from tutor.feedback.display_signals import segment
from tutor.feedback.reference_speech import espeak_available, synthesize
from tutor.practice import PASS, PracticeSession
from tutor.recording import (
    RECORD_RATE,
    AudioBackend,
    Recorder,
    RecordingError,
    find_input_device,
    save_recording,
)
from tutor.scoring.audio import MIN_SECONDS, load_audio

from . import theme as themes
from .feedback_panel import FeedbackPanel, caption
from .lesson_source import (
    AttemptHistory,
    PracticeItem,
    PracticePack,
    expected_words,
    practice_session,
)
from .progress_notice import ProgressNotice
from .prompt import PromptView
from .record_bar import RecordBar
from .session_summary import SessionSummaryDialog
from .settings import Settings
from .settings_dialog import SettingsDialog
from .unsaved_take import UnsavedTake
from .views import AnalysisView
from .workers import ScoringService, Take, TaskRunner, analyse

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
POLL_MS = 33
DEFAULT_SIZE = (1380, 860)
SCREEN_MARGIN = 40  # px left for the title bar and window frame
MARK_COLUMN = 1  # the lesson list's column for an item's mark in this sitting
MARKS = {  # mark, band, tooltip
    "passed": ("✓", Band.GOOD, "Passed in this sitting"),
    "again": ("↻", Band.FAIR, "Missed: it comes back later in this sitting"),
    "review": ("✗", Band.POOR, "Missed: to review in a later sitting"),
}


def card(*widgets: QWidget, margins: int = 0) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins, margins, margins)
    for w in widgets:
        layout.addWidget(w)
    return frame


class MainWindow(QMainWindow):
    """The practice loop. Collaborators are injected so tests can use fakes."""

    takeShown = Signal()  # a take (scored or not) has been drawn

    def __init__(
        self,
        *,
        backend: AudioBackend,
        packs: list[PracticePack],
        settings: Settings,
        data_dir: Path,
        scorer_factory: Callable[[], Any],
        history: AttemptHistory | None = None,
        runner: TaskRunner | None = None,
        packs_loader: Callable[[], list[PracticePack]] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Tutor — pronunciation practice")
        self.setAccessibleName("Tutor main window")
        self.setAcceptDrops(True)
        self.backend = backend
        self.packs = packs
        self.packs_loader = packs_loader  # re-reads the packs after the lesson editor saves
        self.lesson_editor: QDialog | None = None
        self.progress_dialog: QDialog | None = None
        self.summary_dialog: SessionSummaryDialog | None = None
        self.settings = settings
        self.data_dir = data_dir
        self.history = history or AttemptHistory()
        self.runner = runner or TaskRunner(parent=self)
        self.service = ScoringService(self.runner, scorer_factory, self)
        self.recorder = Recorder(backend)
        self.items: list[PracticeItem] = [i for p in packs for i in p.items]
        self._pack_titles = {i.pack: p.title for p in packs for i in p.items}
        self.item: PracticeItem | None = None
        self.take: Take | None = None
        self.take_path: Path | None = None
        self._pending: tuple[np.ndarray, int, Path | None, PracticeItem] | None = None
        self._expected: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._stop_clock: float | None = None
        self.last_latency_ms: float | None = None
        self.t = themes.theme(settings.theme)
        # the practice session over the current item's pack ("this sitting")
        self.session: PracticeSession | None = None
        self._scored_here = False  # the item on screen has been scored since it was shown
        self._summarised: PracticeSession | None = None  # whose summary the learner has seen

        self._build()
        self._build_actions()
        self.service.stateChanged.connect(self._on_model_state)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll_recorder)
        self._restore()

    # --- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.lessons = QTreeWidget()
        self.lessons.setHeaderHidden(True)
        self.lessons.setColumnCount(2)
        header = self.lessons.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MARK_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.lessons.setAccessibleName("Lessons and items")
        self.lessons.setMinimumWidth(200)
        self._fill_lessons()
        self.lessons.currentItemChanged.connect(self._on_tree_item)

        self.position = QLabel("")
        self.position.setObjectName("caption")
        self.prompt = PromptView()
        self.prompt.wordClicked.connect(self._on_word_clicked)
        self.item_tip = QLabel("")
        self.item_tip.setObjectName("muted")
        self.item_tip.setWordWrap(True)
        prompt_box = QWidget()
        pl = QVBoxLayout(prompt_box)
        pl.setContentsMargins(18, 14, 18, 14)
        pl.setSpacing(8)
        pl.addWidget(self.position)
        pl.addWidget(self.prompt)
        pl.addWidget(self.item_tip)

        self.record_bar = RecordBar()
        self.record_bar.record.clicked.connect(self.toggle_recording)
        self.record_bar.play_mine.clicked.connect(self.play_mine)
        self.record_bar.play_reference.clicked.connect(self.play_reference)

        self.analysis = AnalysisView()
        self.analysis.playRequested.connect(self.play_segment)
        analysis_box = QWidget()
        al = QVBoxLayout(analysis_box)
        al.setContentsMargins(12, 10, 12, 8)
        al.addWidget(caption("Your recording"))
        al.addWidget(self.analysis, 1)

        centre = QWidget()
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(10)
        cl.addWidget(card(prompt_box))
        cl.addWidget(card(self.record_bar))
        cl.addWidget(card(analysis_box), 1)

        self.feedback = FeedbackPanel()
        self.feedback.playRequested.connect(self.play_segment)
        self.feedback.tryAgain.connect(self.toggle_recording)
        self.feedback.attemptChosen.connect(self._play_attempt)
        scroll = QScrollArea()
        scroll.setWidget(self.feedback)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        feedback_card = card(scroll)
        feedback_card.setMinimumWidth(330)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.lessons)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(feedback_card)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 790, 360])
        self.splitter.setChildrenCollapsible(False)
        root = QWidget()
        rl = QVBoxLayout(root)
        rl.setContentsMargins(12, 12, 12, 6)
        rl.addWidget(self.splitter)
        self.setCentralWidget(root)

        self.model_status = QLabel("")
        self.model_status.setObjectName("statusBanner")
        self.model_status.setAccessibleName("Model status")
        self.latency = QLabel("")
        self.session_status = QLabel("")
        self.session_status.setAccessibleName("This sitting")
        self.statusBar().addWidget(self.model_status, 1)
        self.statusBar().addPermanentWidget(self.session_status)
        self.statusBar().addPermanentWidget(self.latency)
        self.unsaved_take = UnsavedTake(self)  # a take whose save failed, kept in memory
        self.unsaved_take.saved.connect(self._take_saved_as)
        self.statusBar().addPermanentWidget(self.unsaved_take)
        self.progress_notice = ProgressNotice(self.history, self)  # progress not being saved
        self.statusBar().addPermanentWidget(self.progress_notice)

    def _fill_lessons(self) -> None:
        self.lessons.blockSignals(True)
        self.lessons.clear()
        for pack in self.packs:
            top = QTreeWidgetItem([pack.title])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for item in pack.items:
                child = QTreeWidgetItem([item.text, ""])
                child.setToolTip(0, item.text)
                child.setData(0, Qt.ItemDataRole.UserRole, self.items.index(item))
                top.addChild(child)
            self.lessons.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)
        self.lessons.blockSignals(False)

    def reload_lessons(self, _folder: object = None) -> None:
        """Re-read the packs (after the lesson editor saved one); keep the current item."""
        if self.packs_loader is None:
            return
        current = self.item
        self.packs = self.packs_loader()
        self.items = [i for p in self.packs for i in p.items]
        self._pack_titles = {i.pack: p.title for p in self.packs for i in p.items}
        self._fill_lessons()
        self._refresh_session_pack()
        if not self.items:
            return
        index = next((n for n, it in enumerate(self.items)
                      if current is not None and (it.pack, it.id) == (current.pack, current.id)),
                     None)
        if index is None:
            self.select_item(0)
        else:  # same item: keep the take on screen, just point the tree at it again
            self.item = self.items[index]
            if (tree_item := self._tree_item(index)) is not None:
                self.lessons.blockSignals(True)
                self.lessons.setCurrentItem(tree_item)
                self.lessons.blockSignals(False)
        self.statusBar().showMessage("Lessons reloaded.", 4000)

    def _action(self, text: str, keys: list[str], slot: Callable[[], Any], menu: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action(
            "&Open audio file…", ["Ctrl+O"], self.open_audio_file, file_menu
        )
        file_menu.addSeparator()
        self._action("&Settings…", ["Ctrl+,"], self.open_settings, file_menu)
        file_menu.addSeparator()
        self._action("&Quit", ["Ctrl+Q"], self.close, file_menu)
        practice = bar.addMenu("&Practice")
        self.record_action = self._action("&Record / stop", ["Space"], self.toggle_recording,
                                          practice)
        self.replay_action = self._action("&Replay my recording", ["R"], self.play_mine, practice)
        self._action("Hear the re&ference", ["F"], self.play_reference, practice)
        practice.addSeparator()
        self.next_action = self._action("&Next item", ["N"], self.next_item, practice)
        self.prev_action = self._action("&Previous item", ["P"], self.previous_item, practice)
        practice.addSeparator()
        self.summary_action = self._action("Session &summary…", ["S"],
                                           self.show_session_summary, practice)
        lessons_menu = bar.addMenu("&Lessons")
        self.editor_action = self._action("Lesson &editor…", ["Ctrl+E"],
                                          self.open_lesson_editor, lessons_menu)
        learner_menu = bar.addMenu("Lea&rner")
        self.progress_action = self._action("&Progress…", ["Ctrl+H"], self.open_progress,
                                            learner_menu)

    def _show_dialog(self, dialog: QDialog) -> None:
        # window-modal but not blocking (open(), not exec()): the app keeps its event loop
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.raise_()

    def open_lesson_editor(self) -> None:
        """The teachers' pack editor (add, reorder, record, validate, export)."""
        from .lesson_editor import LessonEditorDialog

        dialog = LessonEditorDialog(self)
        dialog.saved.connect(self.reload_lessons)
        dialog.destroyed.connect(lambda: setattr(self, "lesson_editor", None))
        self.lesson_editor = dialog
        self._show_dialog(dialog)

    def open_progress(self) -> None:
        """Per-phone history of the learner's attempts (needs the progress database)."""
        store = self.history.store
        if store is None:
            self.statusBar().showMessage(
                "No progress database: attempts are kept for this session only."
            )
            return
        from .progress_view import ProgressDialog

        dialog = ProgressDialog(store, self, learner=self.history.LEARNER)
        dialog.destroyed.connect(lambda: setattr(self, "progress_dialog", None))
        self.progress_dialog = dialog
        self._show_dialog(dialog)

    def _restore(self) -> None:
        if (geometry := self.settings.geometry()) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        self.fit_to_screen()
        if (state := self.settings.window_state()) is not None:
            self.restoreState(state)
        if (split := self.settings.splitter("main")) is not None:
            self.splitter.restoreState(split)
        wanted = self.settings.last_item
        index = next((i for i, it in enumerate(self.items) if f"{it.pack}/{it.id}" == wanted), 0)
        if self.items:
            self.select_item(index)

    # --- lifecycle ---------------------------------------------------------------------
    def fit_to_screen(self) -> None:
        """Never open larger than the available screen (1280x800 laptops, a moved monitor)."""
        screen = self.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width = min(self.width(), area.width() - SCREEN_MARGIN)
        height = min(self.height(), area.height() - SCREEN_MARGIN)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, 1), max(height, 1))

    def start(self) -> None:
        """Begin loading the model in the background (call once the window is shown)."""
        self.service.load()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self.recorder.recording:
            self._timer.stop()
            self.recorder.stop()
        self.backend.stop_playback()
        self.runner.wait(3000)  # let a running score finish rather than kill its thread
        if getattr(self.history, "keeper", None) is not None:
            self.history.keeper.backup_if_due()  # the day's backup of the progress file
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.save_splitter("main", QByteArray(self.splitter.saveState()))
        self.settings.sync()
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
            self.stop_recording()
        self.item = item
        self.take, self.take_path = None, None
        self._scored_here = False
        self.settings.last_item = f"{item.pack}/{item.id}"
        self._ensure_session(item)
        tree_item = self._tree_item(index)
        if self.lessons.currentItem() is not tree_item:  # None: an item not in the list
            self.lessons.blockSignals(True)
            self.lessons.setCurrentItem(tree_item)
            self.lessons.blockSignals(False)
        pack_items = [i for i in self.items if i.pack == item.pack]
        title = self._pack_titles.get(item.pack, item.pack)
        self.position.setText(
            f"{title}  ·  {pack_items.index(item) + 1} of {len(pack_items)}".upper()
        )
        self.item_tip.setText(item.tip)
        self.item_tip.setVisible(bool(item.tip))
        self.analysis.clear_take()
        self.record_bar.show_message("")
        self._refresh()
        self._load_expected(item)

    def _tree_item(self, index: int) -> QTreeWidgetItem | None:
        for top in range(self.lessons.topLevelItemCount()):
            parent = self.lessons.topLevelItem(top)
            for c in range(parent.childCount()):
                child = parent.child(c)
                if child.data(0, Qt.ItemDataRole.UserRole) == index:
                    return child
        return None

    def _on_tree_item(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None and (index := current.data(0, Qt.ItemDataRole.UserRole)) is not None:
            self.select_item(int(index))

    def current_index(self) -> int:
        return self.items.index(self.item) if self.item in self.items else 0

    def next_item(self) -> None:
        """The session's next item: missed ones come back after a few others. Once the
        sitting is over, its summary; after that, simply the next item in the list."""
        session = self.session
        if session is not None and session.finished and session.done \
                and self._summarised is not session:
            self._open_summary(session)
            return
        head = session.current() if session is not None else None
        here = self.item
        if head is not None and here is not None and not self._scored_here \
                and (here.pack, here.id) == (session.pack.id, head.id):
            session.defer()  # moving on without an attempt: it waits at the end
            head = session.current()
        index = self._index_of(session.pack.id, head.id) if session and head else None
        if index is None:
            self.select_item(self.current_index() + 1)
        elif self.items[index] is here and not self._scored_here:
            self.statusBar().showMessage(
                "This is the last item left in this sitting: record it, or see "
                "Practice → Session summary.", 8000)
        else:
            self.select_item(index)

    def previous_item(self) -> None:
        self.select_item(self.current_index() - 1)

    def _load_expected(self, item: PracticeItem) -> None:
        key = item.text
        if key in self._expected:
            return
        scorer = self.service.scorer

        def done(words: list[tuple[str, tuple[str, ...]]]) -> None:
            self._expected[key] = words
            if self.item is item and self.take is None:
                self._refresh()

        self.runner.submit(lambda: expected_words(item.text, item.overrides, scorer), done,
                           lambda msg: None)

    # --- practice session ----------------------------------------------------------------
    def _pack_of(self, pack_id: str) -> PracticePack | None:
        return next((p for p in self.packs if p.items and p.id == pack_id), None)

    def _index_of(self, pack_id: str, item_id: str) -> int | None:
        return next((n for n, it in enumerate(self.items)
                     if (it.pack, it.id) == (pack_id, item_id)), None)

    def start_session(self, pack: PracticePack) -> None:
        """A new sitting over ``pack``: due and weak items first, then new ones."""
        self.session = practice_session(pack, self.history)
        self._summarised = None
        self._show_session()

    def _ensure_session(self, item: PracticeItem) -> None:
        """Switching packs starts a new sitting; the one left behind, if anything was
        scored in it, shows its summary."""
        if self.session is not None and self.session.pack.id == item.pack:
            return
        pack = self._pack_of(item.pack)
        if pack is None:  # an item outside the packs (a demo sample): no session
            return
        previous = self.session
        self.start_session(pack)
        if previous is not None and previous.done and self._summarised is not previous:
            self._open_summary(previous)

    def _refresh_session_pack(self) -> None:
        """After the packs were re-read: keep the sitting unless its items changed."""
        session = self.session
        if session is None:
            return
        pack = self._pack_of(session.pack.id)
        ids = {i.id for i in pack.items} if pack is not None else set()
        if pack is None or any(i.id not in ids for i in session.pack.items):
            self.session = None
            if self.item is not None and self._pack_of(self.item.pack) is not None:
                self._ensure_session(self.item)
        self._show_session()

    def _record_in_session(self, item: PracticeItem, result: Any) -> None:
        session = self.session
        if session is None or session.pack.id != item.pack:
            return  # scored after the learner moved to another pack
        try:
            quality = session.record_item(item.id, result)
        except KeyError:  # not part of this sitting (a review of the missed items)
            return
        if self.item is item:
            self._scored_here = True
        self._show_session()
        if session.finished:
            message = "That was the last item of this sitting: press N for your summary."
        elif quality >= PASS:
            message = "Passed. Press N for the next item."
        elif item.id in session.queue:
            message = "Not yet: this item comes back later in this sitting. Press N to go on."
        else:
            message = "Not yet: this item is marked for review. Press N to go on."
        self.statusBar().showMessage(message, 10000)

    def _show_session(self) -> None:
        """Mark the list's items for this sitting and count what is left."""
        session = self.session
        outcomes = session.outcomes() if session else {}
        queue = set(session.queue) if session else set()
        muted = QColor(self.t.muted)
        for top in range(self.lessons.topLevelItemCount()):
            parent = self.lessons.topLevelItem(top)
            for c in range(parent.childCount()):
                child = parent.child(c)
                item = self.items[int(child.data(0, Qt.ItemDataRole.UserRole))]
                mine = session is not None and item.pack == session.pack.id
                state = ""
                if mine and item.id in outcomes:
                    state = "passed" if outcomes[item.id] else (
                        "again" if item.id in queue else "review")
                mark, band, tip = MARKS.get(state, ("", None, ""))
                child.setText(MARK_COLUMN, mark)
                child.setToolTip(MARK_COLUMN, tip)
                child.setData(MARK_COLUMN, Qt.ItemDataRole.ForegroundRole,
                              QColor(colour(band, self.t.name)) if band else None)
                resting = mine and item.id not in queue and item.id not in outcomes
                child.setData(0, Qt.ItemDataRole.ForegroundRole, muted if resting else None)
                child.setToolTip(0, item.text + ("\nNot part of this sitting (not due yet); "
                                                 "you can still practise it." if resting else ""))
        if session is None:
            self.session_status.setText("")
            return
        total = len(queue | set(outcomes))
        passed = sum(outcomes.values())
        missed = len(outcomes) - passed
        parts = [f"{len(queue)} of {total} left" if queue else "Sitting complete",
                 f"{passed} passed"]
        if missed:
            parts.append(f"{missed} missed")
        self.session_status.setText(f"{session.pack.title}: " + " · ".join(parts))

    def show_session_summary(self) -> None:
        """How this sitting went so far, per focus sound (Practice → Session summary)."""
        if self.session is None:
            self.statusBar().showMessage("Choose an item to start a practice session.", 6000)
            return
        self._open_summary(self.session)

    def _open_summary(self, session: PracticeSession) -> None:
        if self.summary_dialog is not None:
            self.summary_dialog.close()
        dialog = SessionSummaryDialog(
            session.summary(), title=session.pack.title,
            item_texts={i.id: i.text for i in session.pack.items},
            notation=self.settings.notation, theme=self.t, parent=self,
        )
        dialog.practiseMissed.connect(lambda: self.practise_missed(session))
        dialog.finished.connect(lambda _code: self._summary_closed(dialog))
        self.summary_dialog = dialog
        self._summarised = session
        self._show_dialog(dialog)

    def _summary_closed(self, dialog: SessionSummaryDialog) -> None:
        if self.summary_dialog is dialog:
            self.summary_dialog = None

    def practise_missed(self, session: PracticeSession | None = None) -> None:
        """A new sitting over the items ``session`` (default: this one) left to review."""
        session = session or self.session
        if session is None:
            return
        try:
            self.session = session.review_missed()
        except ValueError:
            self.statusBar().showMessage("Nothing to practise again: every item passed.", 6000)
            return
        self._summarised = None
        self._show_session()
        head = self.session.current()
        index = self._index_of(self.session.pack.id, head.id) if head else None
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
            self.analysis.show_take(take.samples, take.rate, take.spectrogram, take.pitch,
                                    result, self.t, notation)
        tips = advice(result, 3) if result else []
        message = ""
        if take is not None and result is None:
            message = self.service.message
        self.feedback.show_result(result, tips, notation, self.t, self.settings.font_size,
                                  message)
        self.feedback.show_history(self.history.attempts(item), self.t)
        self.record_bar.play_mine.setEnabled(take is not None)

    # --- recording ---------------------------------------------------------------------
    def _device(self) -> int | None:
        return find_input_device(self.backend, self.settings.input_device)

    def toggle_recording(self) -> None:
        if self.recorder.recording:
            self.stop_recording()
        else:
            self.start_recording()

    def start_recording(self) -> None:
        self.backend.stop_playback()
        try:
            self.recorder.start(self._device())
        except RecordingError as exc:
            self.record_bar.show_message(str(exc), error=True, colour=self.t.record)
            self.statusBar().showMessage(str(exc), 10000)
            return
        self.record_bar.set_recording(True)
        self.record_bar.show_message("Listening… read the prompt aloud. Stops after a pause.")
        self._timer.start()

    def _poll_recorder(self) -> None:
        if not self.recorder.recording:
            self._timer.stop()
            return
        self.record_bar.set_level(self.recorder.level_dbfs, self.recorder.elapsed)
        if self.recorder.should_stop():
            self.stop_recording()

    def stop_recording(self) -> None:
        if not self.recorder.recording:
            return
        self._timer.stop()
        self._stop_clock = time.perf_counter()
        samples = self.recorder.stop()
        self.record_bar.set_recording(False)
        if len(samples) < MIN_SECONDS * RECORD_RATE:
            self.record_bar.show_message(
                "That was too short to score: press Space and read the whole prompt.",
                error=True, colour=self.t.record,
            )
            return
        path: Path | None = None
        try:
            stem = self.item.id if self.item else "take"
            path = save_recording(samples, RECORD_RATE, self.data_dir / "recordings", stem)
        except SaveError as exc:  # the take is kept in memory and scored anyway
            self.unsaved_take.hold(samples, RECORD_RATE, str(exc))
            self.statusBar().showMessage(self.unsaved_take.note)
        self.score_samples(samples, RECORD_RATE, path)

    def _take_saved_as(self, path: Path) -> None:
        self.statusBar().showMessage(f"Saved the take to {path}", 10000)
        if self.take_path is None:
            self.take_path = path

    def _take_note(self, path: Path | None) -> str:
        """What the record bar says about where the take is (true, never a guess)."""
        if path is None:
            return self.unsaved_take.note
        if path.parent == self.data_dir / "recordings":
            return f"Saved to {path}"
        return f"Scored {path.name}"

    # --- scoring -----------------------------------------------------------------------
    def score_samples(self, samples: np.ndarray, rate: int, path: Path | None) -> None:
        """Score a take off the GUI thread (or queue it until the model has loaded)."""
        if self.item is None:
            return
        item = self.item
        if self.service.state == ScoringService.LOADING:
            self._pending = (samples, rate, path, item)
            self.record_bar.show_message("Scoring as soon as the model has loaded…")
            return
        self.record_bar.show_message("Scoring…")
        scorer = self.service.scorer
        self.runner.submit(
            lambda: analyse(samples, rate, scorer, item.text, item.overrides),
            lambda take: self._on_take(take, path, item),
            lambda msg: self._on_take_failed(msg, samples, rate, path, item),
        )

    def _on_take(self, take: Take, path: Path | None, item: PracticeItem) -> None:
        if take.result is not None:
            self.history.record(item, take.result, path)
            self.progress_notice.refresh()
            self._record_in_session(item, take.result)
        if self.item is not item:
            return
        self.take, self.take_path = take, path
        self._refresh()
        note = self._take_note(path)
        if take.result is None:
            self.record_bar.show_message(self.service.message, error=True, colour=self.t.muted)
        else:
            self.record_bar.show_message(note)
        if self._stop_clock is not None:
            self.last_latency_ms = (time.perf_counter() - self._stop_clock) * 1000
            self.latency.setText(f"Feedback in {self.last_latency_ms:.0f} ms")
            self._stop_clock = None
        self.takeShown.emit()

    def _on_take_failed(
        self, message: str, samples: np.ndarray, rate: int, path: Path | None,
        item: PracticeItem,
    ) -> None:
        """Scoring failed (silent, too short…): say why, and still show the recording."""
        self._stop_clock = None
        if self.item is not item:
            return
        saved = f" (your recording is saved: {path.name})" if path else \
            (f" {self.unsaved_take.note}" if self.unsaved_take.pending else "")
        self.record_bar.show_message(message + saved, error=True, colour=self.t.record)
        self.runner.submit(
            lambda: analyse(samples, rate, None, item.text),
            lambda take: self._show_unscored(take, path, item, message),
            lambda msg: None,
        )

    def _show_unscored(self, take: Take, path: Path | None, item: PracticeItem, msg: str) -> None:
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
        if state != ScoringService.LOADING and self._pending is not None:
            samples, rate, path, item = self._pending
            self._pending = None
            if item is self.item:
                self.score_samples(samples, rate, path)

    # --- files -------------------------------------------------------------------------
    def open_audio_file(self, path: str | Path | None = None) -> None:
        if not path:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Open audio file", str(Path.home()), "Audio (*.wav *.flac *.ogg)"
            )
            if not chosen:
                return
            path = chosen
        path = Path(path)

        def loaded(audio: Any) -> None:
            self._stop_clock = time.perf_counter()
            for w in audio.warnings:
                self.statusBar().showMessage(w, 10000)
            self.score_samples(audio.samples, audio.sample_rate, path)

        def failed(message: str) -> None:
            self.record_bar.show_message(message, error=True, colour=self.t.record)

        self.record_bar.show_message(f"Opening {path.name}…")
        self.runner.submit(lambda: load_audio(path), loaded, failed)

    @staticmethod
    def _dropped_audio(event: QDragEnterEvent | QDropEvent) -> Path | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(AUDIO_SUFFIXES):
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        if self._dropped_audio(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        path = self._dropped_audio(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_audio_file(path)

    # --- playback ----------------------------------------------------------------------
    def _play(self, samples: np.ndarray, rate: int) -> None:
        try:
            self.backend.play(samples, rate)
        except RecordingError as exc:
            self.statusBar().showMessage(str(exc), 10000)

    def play_mine(self) -> None:
        if self.take is not None:
            self._play(self.take.samples, self.take.rate)

    def play_segment(self, start: float, end: float) -> None:
        if self.take is not None:
            pad = 0.03  # a little context makes short phones audible
            clip = segment(self.take.samples, self.take.rate, start - pad, end + pad)
            if clip.size:
                self._play(clip, self.take.rate)

    def _on_word_clicked(self, index: int) -> None:
        if self.take is not None and self.take.result is not None:
            words = self.take.result.words
            if 0 <= index < len(words):
                self.play_segment(words[index].start, words[index].end)

    def play_reference(self) -> None:
        item = self.item
        if item is None:
            return
        if item.reference_audio is not None and item.reference_audio.is_file():
            ref = item.reference_audio
            self.runner.submit(lambda: load_audio(ref, min_seconds=0.05),
                               lambda a: self._play(a.samples, a.sample_rate),
                               lambda m: self.statusBar().showMessage(m, 10000))
        elif espeak_available():
            self.runner.submit(lambda: synthesize(item.text), lambda sr: self._play(*sr),
                               lambda m: self.statusBar().showMessage(m, 10000))
        else:
            self.statusBar().showMessage(
                "This item has no reference recording, and espeak-ng is not installed.", 10000
            )

    def _play_attempt(self, index: int) -> None:
        if self.item is None:
            return
        attempts = self.history.attempts(self.item)
        if 0 <= index < len(attempts) and (path := attempts[index].audio) and path.is_file():
            self.runner.submit(lambda: load_audio(path), lambda a: self._play(a.samples,
                               a.sample_rate), lambda m: self.statusBar().showMessage(m, 10000))

    # --- settings ----------------------------------------------------------------------
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.backend, self)
        if dialog.exec():
            dialog.apply()
            self.apply_theme()
