"""Playback: the learner's take (whole, a word or a phone), the reference, past attempts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject

from tutor.core import PackItem
from tutor.feedback.display_signals import segment
from tutor.feedback.reference_speech import espeak_available, synthesize
from tutor.recording import AudioBackend, RecordingError
from tutor.scoring.audio import Audio, load_audio

from .workers import Take, TaskRunner

PAD_SECONDS = 0.03  # a little context makes short phones audible


class Playback(QObject):
    """Plays audio on ``backend``; slow loads run on ``runner``; problems go to ``report``
    (the status bar)."""

    def __init__(
        self,
        backend: AudioBackend,
        runner: TaskRunner,
        report: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.report = report

    def _play(self, samples: np.ndarray, rate: int) -> None:
        try:
            self.backend.play(samples, rate)
        except RecordingError as exc:
            self.report(str(exc))

    def _play_audio(self, audio: Audio) -> None:
        self._play(audio.samples, audio.sample_rate)

    def play_take(self, take: Take | None) -> None:
        if take is not None:
            self._play(take.samples, take.rate)

    def play_segment(self, take: Take | None, start: float, end: float) -> None:
        if take is not None:
            clip = segment(take.samples, take.rate, start - PAD_SECONDS, end + PAD_SECONDS)
            if clip.size:
                self._play(clip, take.rate)

    def play_word(self, take: Take | None, index: int) -> None:
        if take is not None and take.result is not None:
            words = take.result.words
            if 0 <= index < len(words):
                self.play_segment(take, words[index].start, words[index].end)

    def play_reference(self, item: PackItem | None) -> None:
        if item is None:
            return
        if item.reference_audio is not None and item.reference_audio.is_file():
            ref = item.reference_audio
            self.runner.submit(
                lambda: load_audio(ref, min_seconds=0.05), self._play_audio, self.report
            )
        elif espeak_available():
            text = item.text
            self.runner.submit(lambda: synthesize(text), lambda sr: self._play(*sr), self.report)
        else:
            self.report("This item has no reference recording, and espeak-ng is not installed.")

    def play_file(self, path: Path | None) -> None:
        """A past attempt's recording, if it is still there."""
        if path is not None and path.is_file():
            self.runner.submit(lambda: load_audio(path), self._play_audio, self.report)
