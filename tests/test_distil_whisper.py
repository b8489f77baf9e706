"""The distillation's classroom copies and its confusion hinge (torch; the train extra)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import Tensor  # noqa: E402

from tutor.scoring.features import FeatureConfig, log_mel  # noqa: E402
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET  # noqa: E402
from tutor.train.distil_examples import (  # noqa: E402
    Example,
    noisy_copy,
    spec_augment,
    trusted_frames,
    untrusted_out,
)
from tutor.train.distil_whisper import CONFUSION_MARGIN, confusion_hinge  # noqa: E402


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


def test_hard_labels_teach_only_on_phones_the_experts_passed() -> None:
    quality = np.array([2.0, 2.0, 0.4, 0.4, 1.9, 2.0], np.float32)  # per speed-1 frame
    assert trusted_frames(None, 6, 1.0, None) is None
    assert trusted_frames(quality, 6, 1.0, 1.5).tolist() == [True, True, False, False, True, True]
    # at speed 1.5 frame j is speed-1 frame round(1.5 j)
    assert trusted_frames(quality, 4, 1.5, 1.5).tolist() == [True, False, False, True]
    assert not trusted_frames(None, 3, 1.0, 1.5).any()  # an utterance that did not align
    labels = np.array([1, 2, 3, 4, 5, 6])
    ex = Example(np.zeros(1, np.float32), np.zeros((12, 40), np.float32),
                 np.zeros((6, len(PHONE_SET)), np.float32), labels,
                 trusted_frames(quality, 6, 1.0, 1.5))  # fmt: skip
    hard = torch.from_numpy(labels)[None]
    assert untrusted_out([ex], hard)[0].tolist() == [1, 2, -100, -100, 5, 6]
    assert hard[0].tolist() == [1, 2, 3, 4, 5, 6]  # the KD mask still sees every frame


def test_spec_augment_masks_bands_and_spans_without_touching_the_input() -> None:
    x = torch.randn(3, 200, 40) + 5.0  # no zeros before masking
    a = spec_augment(x, np.random.default_rng(7))
    b = spec_augment(x, np.random.default_rng(7))
    assert torch.equal(a, b) and a.shape == x.shape
    assert not bool((x == 0).any())  # the batch itself is left alone
    zero_bands = (a == 0).all(dim=1)  # (batch, mels) wholly masked mel channels
    zero_spans = (a == 0).all(dim=2)  # (batch, frames) wholly masked frames
    assert int(zero_bands.sum()) > 0 and int(zero_spans.sum()) > 0
    assert int(zero_bands.sum(dim=1).max()) <= 16 and int(zero_spans.sum(dim=1).max()) <= 40
    kept = a != 0
    assert torch.equal(a[kept], x[kept])
