"""Playback: the learner's take (whole, a word or a phone), the model, past attempts.

With :attr:`Playback.slow` (the record bar's "Slow" toggle, or Shift with the shortcut) the
model and the take play at :data:`tutor.voice.SLOW_SPEED` without a change of pitch. A
clicked word plays "my take, then the model" (:func:`tutor.voice.take_then_model`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject

from tutor.core import PackItem
from tutor.feedback.display_signals import segment
from tutor.feedback.reference_speech import reference_audio
from tutor.recording import AudioBackend, RecordingError
from tutor.voice import SLOW_SPEED, Speech, VoiceError, take_then_model, time_stretch

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
        voice: str = "",
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.report = report
        self.slow = False  # the "Slow" toggle
        self.voice = voice  # the chosen model voice (Settings › Model voice); '' = the default
        #: ``(text, teacher's recording or None, slow=) -> Speech``; tests swap in a fake
        self.model_voice: Callable[..., Speech] = self._reference
        self._word_turn: tuple[Take | None, int] = (None, -1)  # see :meth:`play_next_word`

    def _reference(self, text: str, recording: Path | None = None, *, slow: bool = False) -> Speech:
        """The teacher's recording, else the chosen voice, else the default chain; when the
        first choice could not be used, the note says why and who spoke instead."""
        speech = reference_audio(text, recording, slow=slow, prefer=self.voice or None)
        if not speech.note:
            return speech
        note = f"{speech.note.rstrip('.')}; the voice {speech.voice} spoke instead."
        return Speech(speech.samples, speech.rate, speech.voice, note)

    def _play(self, samples: np.ndarray, rate: int) -> None:
        try:
            self.backend.play(samples, rate)
        except RecordingError as exc:
            self.report(str(exc))

    def _slow(self, slow: bool | None) -> bool:
        return self.slow if slow is None else slow

    def play_take(self, take: Take | None, slow: bool | None = None) -> None:
        if take is None:
            return
        if self._slow(slow):
            self._play_slowed(take.samples, take.rate)
        else:
            self._play(take.samples, take.rate)

    def _play_slowed(self, samples: np.ndarray, rate: int) -> None:
        """``samples`` at :data:`SLOW_SPEED`, same pitch (stretched off the GUI thread)."""
        self.runner.submit(
            lambda: time_stretch(samples, rate, SLOW_SPEED),
            lambda slowed: self._play(slowed, rate),
            self.report,
        )

    def play_segment(self, take: Take | None, start: float, end: float) -> None:
        """A word or phone of the take (slowed with the "Slow" toggle)."""
        if take is None:
            return
        clip = segment(take.samples, take.rate, start - PAD_SECONDS, end + PAD_SECONDS)
        if not clip.size:
            return
        if self.slow:
            self._play_slowed(clip, take.rate)
        else:
            self._play(clip, take.rate)

    def play_word(self, take: Take | None, index: int) -> None:
        """My take of word ``index``, a pause, then the model saying the word."""
        if take is None or take.result is None or not 0 <= index < len(take.result.words):
            return
        word, samples, rate, slow = take.result.words[index], take.samples, take.rate, self.slow

        def both() -> tuple[np.ndarray, int, str]:
            start, end, mine = word.start, word.end, samples
            if slow:
                mine = time_stretch(samples, rate, SLOW_SPEED)
                start, end = start / SLOW_SPEED, end / SLOW_SPEED
            try:
                model = self.model_voice(word.text, None, slow=slow)
            except VoiceError as exc:  # no voice: the learner's word alone, and why
                clip = segment(mine, rate, start - PAD_SECONDS, end + PAD_SECONDS)
                return clip, rate, str(exc)
            clip, clip_rate = take_then_model(mine, rate, start, end, model)
            return clip, clip_rate, model.note

        self.runner.submit(both, self._play_with_note, self.report)

    def play_next_word(self, take: Take | None) -> str:
        """The keyboard's word comparison: each call plays the next word of ``take`` (the
        first again after the last, or after a new take), mine then the model's; what it
        played, for the status bar ("" when there is no scored take)."""
        words = take.result.words if take is not None and take.result is not None else ()
        if not words:
            return ""
        last_take, last = self._word_turn
        index = (last + 1) % len(words) if last_take is take else 0
        self._word_turn = (take, index)
        self.play_word(take, index)
        return f"Word {index + 1} of {len(words)}: “{words[index].text}”, yours then the model's."

    def _play_with_note(self, played: tuple[np.ndarray, int, str]) -> None:
        samples, rate, note = played
        if note:
            self.report(note)
        if samples.size:
            self._play(samples, rate)

    def play_reference(self, item: PackItem | None, slow: bool | None = None) -> None:
        """The model: the teacher's recording for the item, else the reference voice."""
        if item is None:
            return
        text, recording, slowly = item.text, item.reference_audio, self._slow(slow)

        def speak() -> tuple[np.ndarray, int, str]:
            try:
                speech = self.model_voice(text, recording, slow=slowly)
            except VoiceError as exc:
                return np.zeros(0, np.float32), 0, str(exc)
            return speech.samples, speech.rate, speech.note

        self.runner.submit(speak, self._play_with_note, self.report)
