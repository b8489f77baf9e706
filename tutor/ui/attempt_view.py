"""Compare takes: an older attempt, chosen in the feedback panel's history, drawn as it was
scored (its stored result) with its recording, when the recording is still there."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.feedback.advice import advice
from tutor.scoring.audio import load_audio
from tutor.scoring.result import UtteranceResult

from .workers import Take, analyse

if TYPE_CHECKING:
    from tutor.progress.store import Attempt

    from .main_window import MainWindow


def stored_result(attempt: Attempt) -> UtteranceResult | None:
    """The attempt's result as it was saved, or ``None`` if it cannot be read back."""
    try:
        return attempt.result
    except (ValueError, KeyError, TypeError):
        return None


def attempt_label(index: int, attempt: Attempt) -> str:
    return f"attempt #{index + 1} ({attempt.when.astimezone():%d %b, %H:%M}, {attempt.total:.1f})"


def show_attempt(window: MainWindow, index: int) -> None:
    """Draw attempt ``index`` (oldest first) of the item on screen: its audio, tiers and
    scores; without its recording, its scores and a note saying the recording is gone."""
    item = window.item
    if item is None:
        return
    attempts = window.progress.attempts(*item.key)
    if not 0 <= index < len(attempts):
        return
    attempt = attempts[index]
    label = attempt_label(index, attempt)
    result = stored_result(attempt)
    path = Path(attempt.audio_path) if attempt.audio_path else None
    if path is not None and not path.is_absolute():  # kept relative to the data folder
        path = window.data_dir / path
    if path is None or not path.is_file():
        gone = "was not kept" if path is None else f"is no longer there ({path})"
        show_scores_only(window, result, f"The recording of {label} {gone}; its scores are shown.")
        return
    text = item.text
    window.record_bar.show_message(f"Opening {label}…")

    def load() -> Take:
        audio = load_audio(path)
        return dataclasses.replace(
            analyse(audio.samples, audio.sample_rate, None, text), result=result
        )

    def done(take: Take) -> None:
        if window.item is not item:  # the learner moved on meanwhile
            return
        window.take, window.take_path = take, path
        window._refresh()
        note = "" if result is not None else " Its scores could not be read back."
        window.record_bar.show_message(
            f"Showing {label}. R replays it; Space records a new take.{note}"
        )
        window.takeShown.emit()

    def failed(message: str) -> None:
        if window.item is item:
            show_scores_only(window, result, f"The recording of {label} cannot be read: {message}")

    window.runner.submit(load, done, failed)


def show_scores_only(window: MainWindow, result: UtteranceResult | None, note: str) -> None:
    """An attempt without its audio: the stored scores on the prompt and in the panel."""
    if window.item is None:
        return
    window.take, window.take_path = None, None
    window.analysis.clear_take()
    notation, t = window.settings.notation, window.t
    if result is not None:
        window.prompt.show_result(result, notation, t.name)
        tips = advice(result, 3)
        window.feedback.show_result(result, tips, notation, t, window.settings.font_size, "")
    else:
        note += " Its scores could not be read back either."
    window.record_bar.play_mine.setEnabled(False)
    window.record_bar.show_message(note)
    window.takeShown.emit()
