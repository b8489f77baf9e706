"""The word-final stop cues: which cue tells a voiced final stop from its voiceless pair."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from corpus_helpers import make_tiny_corpus

from tutor.scoring.speechocean import load_split
from tutor.train.margin_check import model_posteriors
from tutor.train.stop_cues import FinalStop, cue_aucs, final_stops, fit_logistic, main


def _stops(n: int, speaker: str, rng: np.random.Generator) -> list[FinalStop]:
    """Voiced stops with a higher log-ratio than voiceless ones; lengths are noise."""
    out = []
    for k in range(n):
        voiced = bool(k % 2)
        ratio = (1.0 if voiced else -1.0) + rng.normal(0, 0.3)
        out.append(FinalStop(speaker, "D/T", voiced, ratio, rng.normal(), rng.normal()))
    return out


def test_the_cue_that_separates_ranks_perfectly_and_noise_does_not() -> None:
    rng = np.random.default_rng(0)
    stops = _stops(200, "TRAIN", rng) + _stops(200, "HELD", rng)
    row = cue_aucs(stops, frozenset({"HELD"}))["D/T"]
    assert row["voiced"] == row["voiceless"] == 100
    assert row["acoustic"] == pytest.approx(1.0)
    assert abs(row["vowel_length"] - 0.5) < 0.15 and abs(row["stop_length"] - 0.5) < 0.15
    assert row["combined"] > 0.99  # the fit leans on the cue that carries the label
    assert 0.5 < row["voiced_median_ratio"] < 1.5 and 0.5 < row["voiced_median_ratio_others"] < 1.5


def test_the_fit_learns_the_informative_weight() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = (x[:, 1] + 0.1 * rng.normal(size=400) > 0).astype(float)
    w = fit_logistic(x, y)
    assert abs(w[1]) > 5 * abs(w[0])


def test_a_pair_missing_one_kind_among_the_held_out_speakers_is_left_out() -> None:
    rng = np.random.default_rng(2)
    held = [s for s in _stops(20, "HELD", rng) if s.voiced]
    assert cue_aucs(_stops(20, "TRAIN", rng) + held, frozenset({"HELD"})) == {}


def test_final_stops_are_read_from_a_corpus(
    tmp_path: Path, scoring_models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_tiny_corpus(tmp_path, split="train", n=12)
    utts = load_split(corpus, "train")
    stops = final_stops(utts, model_posteriors(scoring_models / "acoustic.onnx"))
    # "red", "good", "bad", "bed", "food" end in D; "right", "light", "at", "it" in T
    assert {s.pair for s in stops} >= {"D/T"}
    assert any(s.voiced for s in stops) and any(not s.voiced for s in stops)
    assert all(np.isfinite([s.log_ratio, s.vowel_length, s.stop_length]).all() for s in stops)
    assert final_stops(utts, lambda u: None) == []
    assert main(["--data", str(corpus), str(scoring_models / "acoustic.onnx")]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["model"].endswith("acoustic.onnx") and isinstance(line["pairs"], dict)
