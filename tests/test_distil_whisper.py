"""The distillation's classroom copies and its confusion hinge (torch; the train extra)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import Tensor  # noqa: E402

from tutor.scoring.features import FeatureConfig, log_mel  # noqa: E402
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET  # noqa: E402
from tutor.train.distil_whisper import (  # noqa: E402
    CONFUSION_MARGIN,
    Example,
    confusion_hinge,
    noisy_copy,
)


def _frames(label: str, own: float, rival: str, other: float) -> Tensor:
    logits = torch.full((1, 1, len(PHONE_SET)), -20.0)
    logits[0, 0, PHONE_INDEX[label]] = own
    logits[0, 0, PHONE_INDEX[rival]] = other
    return torch.log_softmax(logits, -1)


def test_the_hinge_asks_a_margin_over_confusable_sounds_only() -> None:
    hard = torch.tensor([[PHONE_INDEX["TH"]]])
    soft = torch.nn.functional.one_hot(hard, len(PHONE_SET)).float()
    close = confusion_hinge(_frames("TH", 0.0, "S", 0.0), soft, hard)
    assert float(close) == pytest.approx(CONFUSION_MARGIN, abs=1e-4)
    assert float(confusion_hinge(_frames("TH", 0.0, "S", -5.0), soft, hard)) == 0.0
    # a rival that is not a confusion (AA for TH) costs nothing
    assert float(confusion_hinge(_frames("TH", 0.0, "AA", 0.0), soft, hard)) == 0.0
    # frames where the teacher hears another phone are left to the KD term
    other = torch.nn.functional.one_hot(torch.tensor([[PHONE_INDEX["S"]]]), len(PHONE_SET))
    assert float(confusion_hinge(_frames("TH", 0.0, "S", 0.0), other.float(), hard)) == 0.0


def test_a_classroom_copy_keeps_the_targets_and_the_frame_count() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    samples = (0.2 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    feats = log_mel(samples, FeatureConfig()).astype(np.float32)
    ex = Example(samples, feats, np.zeros((50, len(PHONE_SET)), np.float32), np.zeros(50, int))
    sources = [rng.standard_normal(8000).astype(np.float32) * 0.1 for _ in range(4)]
    copy = noisy_copy(ex, rng, sources, FeatureConfig())
    assert copy.feats.shape == ex.feats.shape and not np.allclose(copy.feats, ex.feats)
    assert copy.teacher is ex.teacher and copy.labels is ex.labels
