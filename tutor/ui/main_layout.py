"""The main window's widgets and menus, laid out (no behaviour: the window wires them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QScrollArea, QSplitter, QVBoxLayout, QWidget

from .attempt_view import show_attempt
from .feedback_panel import FeedbackPanel, caption
from .help_dialogs import open_about, show_welcome, switch_learner
from .pack_import import ask_import
from .pack_remove import ask_remove
from .progress_notice import ProgressNotice
from .prompt import PromptView
from .record_bar import RecordBar
from .review_due import lesson_panel, review_next_due
from .unsaved_take import UnsavedTake
from .views import AnalysisView
from .window_dialogs import open_lesson_editor, open_progress, open_settings

if TYPE_CHECKING:
    from .main_window import MainWindow


FEEDBACK_MIN_WIDTH = 260  # 16 pt on a 1280x720 screen: the list and the centre need the rest


class Column(QWidget):
    """The centre column in its scroll area: as tall as the viewport (the plots take the
    room) unless its minimum is taller. Its word-wrapped tip gives the layout a
    height-for-width, which the scroll area would otherwise follow up to the plots' large
    size hints, leaving a scroll bar and a gap on every screen."""

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        return -1


class ColumnScroll(QScrollArea):
    """Scrolls the centre column vertically; never narrower than the column needs (its
    record bar and prompt would be cut off at the right otherwise)."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.minimumSizeHint().width() + bar + 2, hint.height())

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt name)
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the column's minimum width changed (a font, a prompt)
        return super().eventFilter(watched, event)


def card(*widgets: QWidget, margins: int = 0) -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins, margins, margins)
    for w in widgets:
        layout.addWidget(w)
    return frame


def build_layout(w: MainWindow) -> None:
    """Prompt, record bar, analysis views and feedback around ``w.lessons``; status bar."""
    w.position = QLabel("")
    w.position.setObjectName("caption")
    w.prompt = PromptView()
    w.prompt.wordClicked.connect(lambda index: w.playback.play_word(w.take, index))
    w.item_tip = QLabel("")
    w.item_tip.setObjectName("muted")
    w.item_tip.setWordWrap(True)
    prompt_box = QWidget()
    pl = QVBoxLayout(prompt_box)
    pl.setContentsMargins(18, 14, 18, 14)
    pl.setSpacing(8)
    pl.addWidget(w.position)
    pl.addWidget(w.prompt)
    pl.addWidget(w.item_tip)

    w.record_bar = RecordBar()
    w.record_bar.record.clicked.connect(w.toggle_recording)
    w.record_bar.play_mine.clicked.connect(lambda: w.playback.play_take(w.take))
    w.record_bar.play_reference.clicked.connect(lambda: w.playback.play_reference(w.item))
    w.record_bar.slow.toggled.connect(lambda on: setattr(w.playback, "slow", on))

    w.analysis = AnalysisView()
    w.analysis.playRequested.connect(lambda a, b: w.playback.play_segment(w.take, a, b))
    analysis_box = QWidget()
    al = QVBoxLayout(analysis_box)
    al.setContentsMargins(12, 10, 12, 8)
    al.addWidget(caption("Your recording"))
    al.addWidget(w.analysis, 1)

    centre = Column()
    cl = QVBoxLayout(centre)
    cl.setContentsMargins(0, 0, 0, 0)
    cl.setSpacing(10)
    cl.addWidget(card(prompt_box))
    cl.addWidget(card(w.record_bar))
    cl.addWidget(card(analysis_box), 1)
    # On a short screen (1280x720, a 16 pt font) the column scrolls rather than squashing the
    # plots or forcing the window taller than the screen.
    centre_scroll = ColumnScroll()
    centre_scroll.setObjectName("centreScroll")
    centre_scroll.setWidget(centre)
    centre_scroll.setWidgetResizable(True)
    centre_scroll.setFrameShape(QFrame.Shape.NoFrame)
    centre_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    w.feedback = FeedbackPanel()
    w.feedback.playRequested.connect(lambda a, b: w.playback.play_segment(w.take, a, b))
    w.feedback.tryAgain.connect(w.toggle_recording)
    w.feedback.attemptChosen.connect(lambda index: show_attempt(w, index))  # compare takes
    scroll = QScrollArea()
    scroll.setWidget(w.feedback)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    feedback_card = card(scroll)
    feedback_card.setMinimumWidth(FEEDBACK_MIN_WIDTH)

    w.splitter = QSplitter(Qt.Orientation.Horizontal)
    lessons = lesson_panel(w.lessons)
    w.splitter.addWidget(lessons)
    w.splitter.addWidget(centre_scroll)
    w.splitter.addWidget(feedback_card)
    w.splitter.setStretchFactor(1, 1)
    w.splitter.setSizes([230, 790, 360])
    w.splitter.setChildrenCollapsible(False)
    root = QWidget()
    rl = QVBoxLayout(root)
    rl.setContentsMargins(12, 12, 12, 6)
    rl.addWidget(w.splitter)
    w.setCentralWidget(root)

    w.model_status = QLabel("")
    w.model_status.setObjectName("statusBanner")
    w.model_status.setAccessibleName("Model status")
    w.session_status = QLabel("")
    w.session_status.setAccessibleName("This sitting")
    w.statusBar().addWidget(w.model_status, 1)
    w.statusBar().messageChanged.connect(lambda text: message_shown(w, text))
    w.statusBar().addPermanentWidget(w.session_status)
    w.unsaved_take = UnsavedTake(w)  # takes whose save failed, kept in memory
    w.unsaved_take.saved.connect(w._take_saved_as)
    w.statusBar().addPermanentWidget(w.unsaved_take)
    w.progress_notice = ProgressNotice(w.progress, w)  # progress not being saved
    w.statusBar().addPermanentWidget(w.progress_notice)


def message_shown(w: MainWindow, text: str) -> None:
    """The model status is hidden explicitly while a message shows (the status bar's own
    hiding is undone when the window is mapped or restored, which drew it under the
    message); the sitting's status too while a long message would not fit beside it."""
    w.model_status.setVisible(not text)
    bar = w.statusBar()
    metrics = bar.fontMetrics()
    room = bar.width() - w.session_status.sizeHint().width() - 40
    fits = not bar.isVisible() or metrics.horizontalAdvance(text) <= room  # (unsized: yes)
    w.session_status.setVisible(not text or fits)
    whole = bar.width() - 24  # the size grip and the margins
    if text and bar.isVisible() and metrics.horizontalAdvance(text) > whole:  # too long:
        bar.setToolTip(text)  # "…" at the end rather than a word cut off, all of it on hover
        bar.showMessage(metrics.elidedText(text, Qt.TextElideMode.ElideRight, whole), REPORT_MS)
    elif not (text.endswith("…") and bar.toolTip().startswith(text[:-1])):
        bar.setToolTip("")  # the message that needed it has gone


def _action(
    w: MainWindow, text: str, keys: list[str], slot: Callable[[], object], menu: QMenu
) -> QAction:
    action = QAction(text, w)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)
    menu.addAction(action)
    w.addAction(action)
    return action


def build_menus(w: MainWindow) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    w.open_action = _action(w, "&Open audio file…", ["Ctrl+O"], w.open_audio_file, file_menu)
    w.import_action = _action(
        w, "&Import lesson pack…", ["Ctrl+I"], lambda: ask_import(w), file_menu
    )
    w.remove_pack_action = _action(w, "Re&move lesson pack…", [], lambda: ask_remove(w), file_menu)
    file_menu.addSeparator()
    _action(w, "&Settings…", ["Ctrl+,"], lambda: open_settings(w), file_menu)
    file_menu.addSeparator()
    _action(w, "&Quit", ["Ctrl+Q"], w.close, file_menu)
    practice = bar.addMenu("&Practice")
    w.record_action = _action(w, "&Record / stop", ["Space"], w.toggle_recording, practice)
    w.replay_action = _action(
        w, "Replay my recordin&g", ["R"], lambda: w.playback.play_take(w.take), practice
    )
    _action(w, "Hear the &model", ["F"], lambda: w.playback.play_reference(w.item), practice)
    _action(
        w,
        "Hear the model s&lowly",
        ["Shift+F"],
        lambda: w.playback.play_reference(w.item, slow=True),
        practice,
    )
    _action(
        w,
        "Replay my recording slo&wly",
        ["Shift+R"],
        lambda: w.playback.play_take(w.take, slow=True),
        practice,
    )
    w.compare_word_action = _action(
        w, "&Compare the next word (mine, then the model)", ["W"], lambda: compare_word(w), practice
    )
    w.attempts_action = _action(
        w, "Earlier &attempts (Enter shows one)", ["A"], lambda: focus_attempts(w), practice
    )
    practice.addSeparator()
    w.next_action = _action(w, "&Next item", ["N"], w.next_item, practice)
    w.prev_action = _action(w, "&Previous item", ["P"], w.previous_item, practice)
    practice.addSeparator()
    w.summary_action = _action(w, "Session &summary…", ["S"], w.show_session_summary, practice)
    _action(w, "Review &due", ["Ctrl+D"], lambda: review_next_due(w), practice)
    _action(w, "Search l&essons", ["Ctrl+F"], w.lessons.focus_search, practice)
    lessons_menu = bar.addMenu("&Lessons")
    w.editor_action = _action(
        w, "Lesson &editor…", ["Ctrl+E"], lambda: open_lesson_editor(w), lessons_menu
    )
    learner_menu = bar.addMenu("Lea&rner")
    w.progress_action = _action(w, "&Progress…", ["Ctrl+H"], lambda: open_progress(w), learner_menu)
    w.learner_action = _action(
        w, "&Switch learner…", ["Ctrl+L"], lambda: switch_learner(w), learner_menu
    )
    help_menu = bar.addMenu("&Help")
    _action(w, "&Welcome…", [], lambda: show_welcome(w, force=True), help_menu)
    w.about_action = _action(w, "&About Tutor…", ["F1"], lambda: open_about(w), help_menu)


def compare_word(w: MainWindow) -> None:
    """W: the next word of the take, mine then the model's (a click on a word, by keyboard)."""
    played = w.playback.play_next_word(w.take)
    w.report(played or "Record a take first: then W plays its words one by one, with the model.")


def focus_attempts(w: MainWindow) -> None:
    """A: to the list of earlier attempts (compare takes); arrows choose, Enter shows one."""
    history = w.feedback.history
    history.setFocus()
    if history.currentRow() < 0 and history.count():
        history.setCurrentRow(0)
    scroll = w.feedback.parentWidget()
    while scroll is not None and not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if scroll is not None:  # the list may be below the fold of the feedback column
        scroll.ensureWidgetVisible(history)


REPORT_MS = 10000  # how long a status message stays
SCREEN_MARGIN = 40  # px left for the title bar and window frame


def fit_to_screen(w: MainWindow) -> None:
    """Never open larger than the available screen (1280x800 laptops, a moved monitor)."""
    screen = w.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    width = min(w.width(), area.width() - SCREEN_MARGIN)
    height = min(w.height(), area.height() - SCREEN_MARGIN)
    if (width, height) != (w.width(), w.height()):
        w.resize(max(width, 1), max(height, 1))


def restore_geometry(w: MainWindow, default_size: tuple[int, int]) -> None:
    """The window's size, docks and splitter as the learner left them (on this screen)."""
    if (geometry := w.settings.geometry()) is not None:
        w.restoreGeometry(geometry)
    else:
        w.resize(*default_size)
    w.fit_to_screen()
    if (state := w.settings.window_state()) is not None:
        w.restoreState(state)
    if (split := w.settings.splitter("main")) is not None:
        w.splitter.restoreState(split)


def save_geometry(w: MainWindow) -> None:
    w.settings.save_window(w.saveGeometry(), w.saveState())
    w.settings.save_splitter("main", QByteArray(w.splitter.saveState()))
    w.settings.sync()
