"""The prompt check's speech line sits over the model's own noise and under real readings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.scoring.model import AcousticModel
from tutor.train.prompt_calibration import NOISE_MARGIN, noise_confidences, speech_line

REAL = np.linspace(0.6, 0.9, 200)  # first percentile about 0.603


def test_the_speech_line_rises_over_a_model_that_hears_noise_as_speech() -> None:
    assert speech_line(REAL, np.array([0.2, 0.25]), 0.33) == 0.33  # the default holds
    assert speech_line(REAL, np.array([0.2, 0.48]), 0.33) == pytest.approx(0.48 + NOISE_MARGIN)


def test_real_readings_win_where_noise_and_speech_overlap() -> None:
    line = speech_line(REAL, np.array([0.7]), 0.33)
    assert line == pytest.approx(np.percentile(REAL, 1), abs=0.005)
    assert (REAL < line).mean() <= 0.01
    low_real = np.linspace(0.2, 0.9, 200)  # a model unsure of real speech lowers the default
    assert speech_line(low_real, np.array([0.1]), 0.33) < 0.33


def test_noise_confidences_are_the_models_own_and_repeatable(scoring_models: Path) -> None:
    model = AcousticModel.load(scoring_models / "acoustic.onnx")
    first = noise_confidences(model)
    assert len(first) == 18 and ((first >= 0) & (first <= 1)).all()
    assert np.array_equal(first, noise_confidences(model))
    assert not np.array_equal(first, noise_confidences(model, seed=1))
