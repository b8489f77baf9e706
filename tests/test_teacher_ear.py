"""The teacher's log-odds over a phone's aligned segment (tutor.train.teacher_ear)."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.scoring.phones import PHONE_INDEX
from tutor.train.teacher_ear import segment_margin


def _log_post(tops: list[str], n_frames: int = 10) -> np.ndarray:
    lp = np.full((n_frames, len(PHONE_INDEX)), -10.0)
    for k, phone in enumerate(tops):
        lp[k, PHONE_INDEX[phone]] = -0.1
    return lp


def test_the_margin_is_the_mean_log_odds_over_the_segments_frames() -> None:
    lp = _log_post(["SIL", "T", "T", "TH", "R"])
    margin, top = segment_margin(lp, 0.02, 0.08, "TH", "T")  # frames 1, 2, 3
    assert top == ["T", "T", "TH"]
    assert margin == pytest.approx((9.9 + 9.9 - 9.9) / 3)


def test_a_segment_shorter_than_a_frame_or_past_the_end_still_reads_one_frame() -> None:
    lp = _log_post(["SIL", "S"], n_frames=2)
    assert segment_margin(lp, 0.021, 0.025, "TH", "S") == (pytest.approx(9.9), ["S"])
    assert segment_margin(lp, 0.5, 0.6, "TH", "S")[1] == ["S"]
