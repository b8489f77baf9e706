"""Weight-only INT8 of the shipped models and the phone-knee choice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from tutor.scoring.engine import Scorer
from tutor.train.phone_knee import choose_knee, refine_knee
from tutor.train.weight_int8 import quantize_weights_int8


def test_int8_weights_shrink_the_models_and_keep_the_scores(
    scoring_models: Path, sample_dir: Path, tmp_path: Path
) -> None:
    for name in ("acoustic.onnx", "head.onnx"):
        quantize_weights_int8(scoring_models / name, tmp_path / name)
        src, out = scoring_models / name, tmp_path / name
        assert out.stat().st_size < 0.6 * src.stat().st_size
        meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
        assert (
            meta["contract"]
            == {p.key: p.value for p in onnx.load(str(src)).metadata_props}["contract"]
        )
        assert "int8" in meta["weights"]
    text = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))["text"]
    audio = sample_dir / "sample.flac"
    a = Scorer.load(scoring_models, warm_up=False).score(audio, text)
    b = Scorer.load(tmp_path, warm_up=False).score(audio, text)
    pa, pb = np.array([p.score for p in a.phones]), np.array([p.score for p in b.phones])
    assert np.abs(pa - pb).max() < 0.1 and abs(a.total - b.total) < 0.3
    assert [p.phone for p in a.phones] == [p.phone for p in b.phones]


def test_the_knee_keeps_false_alarms_under_the_ceiling() -> None:
    rng = np.random.default_rng(0)
    untouched = rng.uniform(1.0, 2.0, 1000)
    swapped = rng.uniform(0.0, 1.6, 100)
    knee = choose_knee(swapped, untouched, 0.03)
    assert knee.false_alarms <= 0.03
    assert (untouched < knee.knee + 0.02).mean() > 0.02  # the highest such line, nearly
    assert knee.caught == pytest.approx((swapped < knee.knee).mean())
    with pytest.raises(ValueError):
        choose_knee(np.array([]), untouched, 0.03)


def test_the_knee_is_lowered_when_the_calibrated_scores_still_alarm_too_often() -> None:
    calibrated = np.concatenate([np.full(95, 1.9), np.full(5, 1.45)])  # 5 % under the line
    lower = refine_knee(1.25, calibrated, 0.03)
    assert lower < 1.25
    assert lower == pytest.approx(1.45 * 1.25 / 1.5, abs=0.011)
    assert refine_knee(1.25, np.full(100, 1.9), 0.03) == 1.25  # already under the ceiling
