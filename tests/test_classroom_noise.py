"""Classroom noise: the bench's mix of other learners' speech, the engine's noise estimate
and its warning, and ``tutor bench --classroom``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from corpus_helpers import make_tiny_corpus

from tutor.cli import main
from tutor.scoring.audio import Audio, load_audio
from tutor.scoring.classroom_noise import classroom_take, mix_at_snr, other_talkers
from tutor.scoring.engine import Scorer
from tutor.scoring.errors import NotThePromptError, ScoringError
from tutor.scoring.noise_level import NOISY_WARNING, speech_to_room_db
from tutor.scoring.speechocean import load_split


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_corpus(tmp_path_factory.mktemp("corpus"), split="room", n=8)


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64)))


def test_mix_at_snr_sets_the_power_ratio_and_loops_short_noise() -> None:
    rng = np.random.default_rng(0)
    speech = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    noise = rng.standard_normal(3000).astype(np.float32)  # shorter than the take: looped
    for snr in (20.0, 10.0, 0.0):
        mixed = mix_at_snr(speech, noise, snr)
        assert mixed.shape == speech.shape
        added = mixed - speech
        assert 10 * np.log10(_power(speech) / _power(added)) == pytest.approx(snr, abs=0.05)
    assert np.array_equal(mix_at_snr(speech, np.zeros(10, np.float32), 0.0), speech)


def test_classroom_takes_mix_other_speakers_deterministically(corpus: Path) -> None:
    utts = load_split(corpus, "room")
    utt = utts[0]
    talkers = other_talkers(utt, utts)
    assert len(talkers) == 2
    assert utt.speaker not in {t.speaker for t in talkers}
    assert talkers[0].speaker != talkers[1].speaker
    assert other_talkers(utt, utts) == talkers
    audio = load_audio(utt.audio)
    a, b = classroom_take(utt, audio, utts, 10.0), classroom_take(utt, audio, utts, 10.0)
    assert np.array_equal(a.samples, b.samples)
    added = a.samples - audio.samples
    assert 10 * np.log10(_power(audio.samples) / _power(added)) == pytest.approx(10.0, abs=0.3)


def test_a_split_of_one_speaker_cannot_be_heard_in_a_classroom(corpus: Path) -> None:
    utts = load_split(corpus, "room")
    alone = [u for u in utts if u.speaker == utts[0].speaker]
    with pytest.raises(ScoringError, match="other speakers"):
        classroom_take(alone[0], load_audio(alone[0].audio), alone, 10.0)


def test_the_room_estimate_hears_pauses_filled_by_noise() -> None:
    rate = 16000
    t = np.arange(rate * 2) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    spans = [(0.5, 1.5)]
    quiet = tone * ((t >= 0.5) & (t < 1.5))
    rng = np.random.default_rng(1)
    hiss = (0.001 * rng.standard_normal(t.size)).astype(np.float32)
    loud = (0.15 * rng.standard_normal(t.size)).astype(np.float32)
    clean_db = speech_to_room_db(quiet + hiss, rate, spans)
    noisy_db = speech_to_room_db(quiet + loud, rate, spans)
    assert clean_db is not None and noisy_db is not None
    assert clean_db > 30 and noisy_db < 6
    assert speech_to_room_db(quiet, rate, [(0.0, 2.0)]) is None  # no pause to hear the room


def test_a_take_drowned_in_noise_is_refused_or_warned_and_a_clean_one_is_not(
    scoring_models: Path, sample_dir: Path
) -> None:
    scorer = Scorer.load(scoring_models, warm_up=False)
    text = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))["text"]
    audio = load_audio(sample_dir / "sample.flac")
    assert NOISY_WARNING not in scorer.score(audio, text).warnings
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(audio.samples.size).astype(np.float32)
    loud = Audio(mix_at_snr(audio.samples, noise, -5.0), audio.sample_rate)
    try:
        result = scorer.score(loud, text)
    except NotThePromptError:
        return  # refused outright: also says so
    assert NOISY_WARNING in result.warnings


def test_bench_classroom_scores_every_take_through_the_noise(
    corpus: Path, scoring_models: Path, tmp_path: Path
) -> None:
    clean, noisy = tmp_path / "clean.json", tmp_path / "noisy.json"
    args = ["bench", "--data", str(corpus), "--split", "room"]
    assert main([*args, "--json", str(clean)]) == 0
    assert main([*args, "--classroom", "0", "--json", str(noisy)]) == 0
    a, b = json.loads(clean.read_text()), json.loads(noisy.read_text())
    assert a["n_phones"] == b["n_phones"] and b["n_utterances"] == 8
    assert 0.0 <= b["too_noisy"] <= 1.0
    assert a["phone_mse"] != b["phone_mse"]  # the noise reached the scorer
    one = tmp_path / "one.txt"
    one.write_text(load_split(corpus, "room")[0].speaker + "\n")
    assert main([*args, "--speakers", str(one), "--classroom", "10"]) == 2


def test_voices_in_the_pauses_are_heard_from_the_silence_posterior() -> None:
    from tutor.scoring.noise_level import PAUSE_SPEECH, pause_speech_share, too_noisy

    quiet = np.log(np.full(100, 0.9))  # silence posterior 0.9 everywhere
    busy = quiet.copy()
    busy[60:] = np.log(0.1)  # after the reading, something the model hears as speech
    phones = [(10, 50)]
    assert pause_speech_share(quiet, phones) == 0.0
    share = pause_speech_share(busy, phones)
    assert share is not None and share > PAUSE_SPEECH
    assert pause_speech_share(quiet, [(0, 95)]) is None  # too few pause frames to tell
    silent = np.zeros(16000, np.float32)
    assert too_noisy(silent, 16000, [], share) and not too_noisy(silent, 16000, [], 0.0)
