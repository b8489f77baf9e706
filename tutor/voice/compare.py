""" "My take, then the model": one clip with the learner's word followed by the model's."""

from __future__ import annotations

import numpy as np
import soxr

from .voices import Speech

GAP_S = 0.35
PAD_S = 0.05  # a little of the take around the word's aligned edges


def take_then_model(
    take: np.ndarray,
    take_rate: int,
    start: float,
    end: float,
    model: Speech,
    *,
    gap_s: float = GAP_S,
) -> tuple[np.ndarray, int]:
    """The learner's ``take`` from ``start`` to ``end`` seconds, a pause, then ``model``
    (resampled to the take's rate); ``(samples, rate)``."""
    if end <= start:
        raise ValueError("the word's end must come after its start")
    lo = max(0, int((start - PAD_S) * take_rate))
    hi = min(len(take), int(np.ceil((end + PAD_S) * take_rate)))
    mine = np.asarray(take[lo:hi], dtype=np.float32)
    theirs = model.samples.astype(np.float32)
    if model.rate != take_rate:
        theirs = soxr.resample(theirs, model.rate, take_rate).astype(np.float32)
    gap = np.zeros(int(gap_s * take_rate), dtype=np.float32)
    return np.concatenate([mine, gap, theirs]), take_rate
