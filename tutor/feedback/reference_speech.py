"""The model's voice for a prompt: the teacher's recording when the item has one, else the
default reference voice (Piper, falling back to espeak-ng; see :mod:`tutor.voice`).
Everything runs offline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tutor.voice import SLOW_SPEED, Speech, default_voice, speak, time_stretch

__all__ = ["espeak_available", "reference_audio", "synthesize", "voice_available"]

TEACHER = "teacher"


def voice_available() -> bool:
    """Whether any reference voice can speak here (Piper, or espeak-ng)."""
    return default_voice() is not None


#: The window asks this before :func:`synthesize`; Piper no longer needs espeak-ng, so it
#: means "can a voice speak" (kept under the old name until the window uses the new one).
espeak_available = voice_available


def synthesize(
    text: str, voice: str | None = None, *, slow: bool = False
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with ``voice`` (default: Piper, else espeak-ng): ``(samples, rate)``.

    Raises :class:`tutor.voice.VoiceError` (a ``RuntimeError``) with a readable message.
    """
    speech = speak(text, voice, slow=slow)
    return speech.samples, speech.rate


def reference_audio(
    text: str,
    recording: str | os.PathLike[str] | None = None,
    *,
    slow: bool = False,
    voice: str | None = None,
    prefer: str | None = None,
) -> Speech:
    """What "hear the model" plays for an item: the teacher's ``recording`` always wins
    (slowed by pitch-preserving time stretch when ``slow``); without one, a voice speaks
    ``text`` (slowed by the voice itself): ``voice`` exactly, or ``prefer`` (the chosen
    model voice) with the default chain behind it."""
    note = ""
    if recording is not None and Path(recording).is_file():
        from tutor.scoring.audio import load_audio
        from tutor.scoring.errors import AudioError

        try:
            audio = load_audio(recording, min_seconds=0.05)
        except AudioError as exc:  # a damaged recording: the voice speaks instead
            note = f"The teacher's recording could not be played ({exc})"
        else:
            samples = audio.samples
            if slow:
                samples = time_stretch(samples, audio.sample_rate, SLOW_SPEED)
            return Speech(samples, audio.sample_rate, TEACHER)
    speech = speak(text, voice, slow=slow, prefer=prefer)
    return Speech(speech.samples, speech.rate, speech.voice, note or speech.note)
