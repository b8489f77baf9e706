"""How loud the room was against the learner: a take too noisy to score reliably says so.

Two signs, either enough. Other voices in the pauses: the share of the frames outside the
prompt's phones that the acoustic model hears as speech rather than silence. And the
room's level: the mean power of the frames aligned to the prompt's phones against the
mean power of the rest (the pauses and the edges of the take), where only the room is
heard; a quiet room leaves them 20-35 dB below the speech. ``tutor bench`` reports the
share of takes warned (``too_noisy``), clean and with other learners mixed in
(``--classroom SNR``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: Below this speech-to-room ratio the take gets a warning that its colours may be wrong.
NOISY_DB = 4.0
#: More than this share of the pause frames heard as speech: other voices in the room
#: (validation, the shipped model: real readings 0 % above it; two other learners at
#: 10 dB 23 %, at 0 dB 42 %).
PAUSE_SPEECH = 0.4
MIN_PAUSE_FRAMES = 10
SPEECH_PROBABILITY = 0.5
#: Too little of the take lies outside the phones to hear the room: no estimate.
MIN_PAUSE_SECONDS = 0.2
FRAME_SECONDS = 0.01

NOISY_WARNING = (
    "It is noisy where you are (other voices or noise almost as loud as you), so these "
    "colours may be wrong: record again somewhere quieter or closer to the microphone."
)


def speech_to_room_db(
    samples: np.ndarray, rate: int, spans: Iterable[tuple[float, float]]
) -> float | None:
    """Mean power inside ``spans`` (seconds) over mean power outside, in dB; ``None`` when
    either side is too short to measure."""
    hop = max(1, int(rate * FRAME_SECONDS))
    n = samples.size // hop
    if n == 0:
        return None
    frames = samples[: n * hop].reshape(n, hop).astype(np.float64)
    power = np.mean(frames**2, axis=1) + 1e-12
    centre = (np.arange(n) + 0.5) * FRAME_SECONDS
    inside = np.zeros(n, bool)
    for start, end in spans:
        inside |= (centre >= start) & (centre < end)
    if (~inside).sum() * FRAME_SECONDS < MIN_PAUSE_SECONDS or inside.sum() < 10:
        return None
    return float(10.0 * np.log10(power[inside].mean() / power[~inside].mean()))


def pause_speech_share(
    silence_log_post: np.ndarray, phone_frames: Iterable[tuple[int, int]]
) -> float | None:
    """Share of the frames outside ``phone_frames`` (start, end) whose silence posterior
    (``silence_log_post``, one log posterior a frame) is under one half."""
    inside = np.zeros(len(silence_log_post), bool)
    for start, end in phone_frames:
        inside[start:end] = True
    pauses = silence_log_post[~inside]
    if len(pauses) < MIN_PAUSE_FRAMES:
        return None
    return float((np.exp(pauses) < SPEECH_PROBABILITY).mean())


def too_noisy(
    samples: np.ndarray,
    rate: int,
    spans: Iterable[tuple[float, float]],
    pause_speech: float | None = None,
) -> bool:
    """Other voices in the pauses, or a room almost as loud as the learner."""
    if pause_speech is not None and pause_speech > PAUSE_SPEECH:
        return True
    ratio = speech_to_room_db(samples, rate, spans)
    return ratio is not None and ratio < NOISY_DB
