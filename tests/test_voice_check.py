"""The synthetic-voice check: what counts as flagged, named and green."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pytest

from tutor.scoring.audio import Audio
from tutor.scoring.bands import needs_work
from tutor.scoring.engine import Scorer
from tutor.train.voice_check import (
    CASES,
    PIPER_PAD_S,
    Case,
    cache,
    check,
    piper_take,
    summary,
    voices,
)
from tutor.voice.voices import VoiceInfo


@pytest.fixture(scope="module")
def scorer(scoring_models: Path) -> Scorer:
    return Scorer.load(scoring_models, warm_up=False)


def test_a_refused_take_counts_as_flagged_but_not_named_and_its_reading_not_green(
    scorer: Scorer,
) -> None:
    noise = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    rows, right = check(scorer, {"noise": lambda text: Audio(noise, 16000)}, CASES[:2])
    assert [(r.phone, r.score, r.flagged, r.named) for r in rows] == [
        ("TH", None, True, False),
        ("V", None, True, False),
    ]
    assert right == {"noise: think": False, "noise: very": False}
    assert all(r.margin is None and r.rival == "" for r in rows)  # nothing aligned to weigh
    totals = summary(rows, right)
    assert totals["flagged"] == 2 and totals["named"] == 0 and totals["correct_all_green"] == 0


def test_espeak_wery_row_compares_the_wrong_and_the_right_reading(scorer: Scorer) -> None:
    speak = {k: cache(v) for k, v in voices().items() if k == "espeak-ng en-us"}
    if not speak:
        pytest.fail("espeak-ng is needed (scripts/lib.sh installs it)")
    wery = Case("very", "wery", ((0, "V", "W"),))
    (row,), right = check(scorer, speak, [wery])
    assert row.voice == "espeak-ng en-us" and row.phone == "V" and row.should_hear == "W"
    assert row.score is not None and row.right_score is not None
    assert row.flagged == needs_work(row.score) and row.flagged and row.named  # as test_trust
    # named from the confusable sounds: W is the rival, ahead of V on those frames
    assert row.rival == "W" and row.margin is not None and row.margin > 0
    assert summary([row], right)["below_right"] == int(row.score < row.right_score)


def test_a_short_piper_word_gets_a_recordings_silence_around_it() -> None:
    class Speech:
        rate = 16000
        samples = np.full(3200, 0.1, np.float32)  # 0.2 s: under the engine's shortest take

    class Short:
        def speak(self, text: str) -> Speech:
            return Speech()

    audio = piper_take(cast(VoiceInfo, Short()), "sink")
    assert audio.duration == pytest.approx(0.2 + 2 * PIPER_PAD_S, abs=1e-3)
    assert not audio.samples[:100].any() and audio.samples[3000:3100].all()


def test_the_report_names_each_correct_reading_that_is_not_all_green(
    scoring_models: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tutor.train.voice_check as voice_check

    noise = np.random.default_rng(1).normal(0, 0.1, 16000).astype(np.float32)
    monkeypatch.setattr(voice_check, "voices", lambda: {"noise": lambda t: Audio(noise, 16000)})
    assert voice_check.main([str(scoring_models)]) == 0
    out = capsys.readouterr().out
    assert f"correct readings all green 0/{len(CASES)}" in out  # noise is refused: none green
    assert "refused or not all green: noise: think; noise: very; noise: ship" in out
