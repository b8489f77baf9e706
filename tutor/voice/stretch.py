"""Slower or faster playback at the same pitch: WSOLA (waveform-similarity overlap-add).

Used to slow a recording (a teacher's reference, a learner's take) to about 0.75x. Frames
of ~30 ms are taken from the input at ``speed`` times the output hop; each is shifted by up
to ``search_ms`` to the position that best continues the previous frame, then overlap-added
with a Hann window, so pitch periods line up and the voice keeps its pitch.
"""

from __future__ import annotations

import numpy as np


def time_stretch(
    samples: np.ndarray, rate: int, speed: float, *, frame_ms: float = 30.0, search_ms: float = 10.0
) -> np.ndarray:
    """``samples`` played at ``speed`` (0.75: a third longer) without changing pitch."""
    if not 0.25 <= speed <= 4.0:
        raise ValueError(f"speed must be between 0.25 and 4, not {speed}")
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if speed == 1.0 or x.size == 0:
        return x.copy()
    frame = max(16, int(rate * frame_ms / 1000) // 2 * 2)
    hop = frame // 2
    delta = max(1, int(rate * search_ms / 1000))
    n_out = int(round(x.size / speed))
    n_frames = n_out // hop + 1
    padded = np.concatenate(
        [
            np.zeros(delta, np.float32),
            x,
            np.zeros(frame + 3 * delta + int(hop * (speed + 1)) + 1, np.float32),
        ]
    )
    window = np.hanning(frame).astype(np.float32)
    out = np.zeros(n_frames * hop + frame, np.float32)
    norm = np.zeros_like(out)
    previous = 0  # input position (in ``padded``) of the last frame placed
    for k in range(n_frames):
        ideal = int(round(k * hop * speed)) + delta
        if k == 0:
            position = ideal
        else:
            target = padded[previous + hop : previous + hop + frame]
            region = padded[ideal - delta : ideal + delta + frame]
            scores = np.correlate(region, target, mode="valid")
            position = ideal - delta + int(np.argmax(scores))
        start = k * hop
        out[start : start + frame] += window * padded[position : position + frame]
        norm[start : start + frame] += window
        previous = position
    result = out / np.maximum(norm, 1e-3)
    return result[:n_out].astype(np.float32)
