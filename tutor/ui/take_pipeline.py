"""The take pipeline: record (or open a file) → save → score off the GUI thread → hand the
take to the window, and every way that can fail (too short, not saved, model not loaded,
not scorable: the recording is still shown)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from tutor.atomic import SaveError
from tutor.core import PackItem
from tutor.lessons.model import AUDIO_SUFFIXES
from tutor.recording import (
    RECORD_RATE,
    AudioBackend,
    Recorder,
    RecordingError,
    find_input_device,
    save_recording,
)
from tutor.scoring.audio import MIN_SECONDS, Audio, load_audio

from .record_bar import RecordBar
from .settings import Settings
from .theme import Theme
from .unsaved_take import UnsavedTake
from .workers import ScoringService, TaskRunner, analyse

if TYPE_CHECKING:
    from .main_window import MainWindow

POLL_MS = 33


class TakePipeline(QObject):
    """Turns the learner's takes into :class:`Take` objects for the item on screen.

    ``takeScored(take, path, item)``: scored, or drawn unscored because no model is
    loaded (``take.result`` is ``None``); ``takeUnscored(take, path, item, message)``: the
    scorer refused the take (silent, too short…), shown without scores.
    """

    takeScored = Signal(object, object, object)
    takeUnscored = Signal(object, object, object, str)

    def __init__(
        self,
        *,
        backend: AudioBackend,
        runner: TaskRunner,
        service: ScoringService,
        record_bar: RecordBar,
        settings: Settings,
        data_dir: Path,
        current: Callable[[], PackItem | None],
        theme: Callable[[], Theme],
        report: Callable[[str], None],
        unsaved: UnsavedTake,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.service = service
        self.record_bar = record_bar
        self.settings = settings
        self.data_dir = data_dir
        self.current = current
        self.theme = theme
        self.report = report
        self.unsaved = unsaved  # holds takes whose save failed ("Save take as…")
        self.recorder = Recorder(backend)
        self._pending: tuple[np.ndarray, int, Path | None, PackItem] | None = None
        self._stop_clock: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll_recorder)
        service.stateChanged.connect(self._on_model_state)

    @classmethod
    def for_window(cls, w: MainWindow) -> TakePipeline:
        """The pipeline for ``w``'s record bar, model and item on screen (its unsaved takes
        go to ``w.unsaved_take``)."""
        return cls(
            backend=w.backend,
            runner=w.runner,
            service=w.service,
            record_bar=w.record_bar,
            settings=w.settings,
            data_dir=w.data_dir,
            current=lambda: w.item,
            theme=lambda: w.t,
            report=w.report,
            unsaved=w.unsaved_take,
            parent=w,
        )

    def latency_ms(self) -> float | None:
        """Milliseconds from the end of the take to now (once per take)."""
        if self._stop_clock is None:
            return None
        ms = (time.perf_counter() - self._stop_clock) * 1000
        self._stop_clock = None
        return ms

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
            self.record_bar.show_message(str(exc), error=True, colour=self.theme().record)
            self.report(str(exc))
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
                error=True,
                colour=self.theme().record,
            )
            return
        path: Path | None = None
        try:
            item = self.current()
            stem = item.id if item else "take"
            path = save_recording(samples, RECORD_RATE, self.data_dir / "recordings", stem)
        except SaveError as exc:  # the take is kept in memory and scored anyway
            self.unsaved.hold(samples, RECORD_RATE, str(exc))
            self.report(self.unsaved.note)
        self.score_samples(samples, RECORD_RATE, path)

    def take_note(self, path: Path | None) -> str:
        """What the record bar says about where the take is (true, never a guess)."""
        if path is None:
            return self.unsaved.note
        if path.parent == self.data_dir / "recordings":
            return f"Saved to {path}"
        return f"Scored {path.name}"

    def abandon(self) -> None:
        """Stop a running take without keeping it (the window is closing)."""
        if self.recorder.recording:
            self._timer.stop()
            self.recorder.stop()

    # --- scoring -----------------------------------------------------------------------
    def score_samples(self, samples: np.ndarray, rate: int, path: Path | None) -> None:
        """Score a take off the GUI thread (or queue it until the model has loaded)."""
        item = self.current()
        if item is None:
            return
        if self.service.state == ScoringService.LOADING:
            self._pending = (samples, rate, path, item)
            self.record_bar.show_message("Scoring as soon as the model has loaded…")
            return
        self.record_bar.show_message("Scoring…")
        scorer = self.service.scorer
        self.runner.submit(
            lambda: analyse(samples, rate, scorer, item.text, item.overrides),
            lambda take: self.takeScored.emit(take, path, item),
            lambda msg: self._on_take_failed(msg, samples, rate, path, item),
        )

    def _on_take_failed(
        self,
        message: str,
        samples: np.ndarray,
        rate: int,
        path: Path | None,
        item: PackItem,
    ) -> None:
        """Scoring failed (silent, too short…): say why, and still show the recording."""
        self._stop_clock = None
        if self.current() is not item:
            return
        saved = (
            f" (your recording is saved: {path.name})"
            if path
            else (f" {self.unsaved.note}" if self.unsaved.pending else "")
        )
        self.record_bar.show_message(message + saved, error=True, colour=self.theme().record)
        self.runner.submit(
            lambda: analyse(samples, rate, None, item.text),
            lambda take: self.takeUnscored.emit(take, path, item, message),
            lambda msg: None,
        )

    def _on_model_state(self, state: str, _message: str) -> None:
        if state != ScoringService.LOADING and self._pending is not None:
            samples, rate, path, item = self._pending
            self._pending = None
            if item is self.current():
                self.score_samples(samples, rate, path)

    # --- files -------------------------------------------------------------------------
    def open_audio_file(self, path: Path) -> None:
        # kept with the attempt: absolute, so that "compare takes" finds it again from any
        # folder (``tutor --open take.wav`` gives a path relative to where it was started)
        path = path.expanduser().absolute()

        def loaded(audio: Audio) -> None:
            self._stop_clock = time.perf_counter()
            for w in audio.warnings:
                self.report(w)
            self.score_samples(audio.samples, audio.sample_rate, path)

        def failed(message: str) -> None:
            self.record_bar.show_message(message, error=True, colour=self.theme().record)

        self.record_bar.show_message(f"Opening {path.name}…")
        self.runner.submit(lambda: load_audio(path), loaded, failed)


def dropped_audio(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local audio file dragged onto the window, if any."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(AUDIO_SUFFIXES):
            return Path(url.toLocalFile())
    return None
