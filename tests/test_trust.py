"""Feedback a learner can trust, with the shipped models: a wrong sound is amber or red and
named, the right one stays green, and a take that is not the prompt is refused or flagged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tutor.scoring.audio import Audio, load_audio
from tutor.scoring.bands import needs_work
from tutor.scoring.engine import Scorer
from tutor.scoring.errors import NotThePromptError

FIXTURES = Path(__file__).parent / "fixtures"
THINK = FIXTURES / "festival_think.wav"
THINK_TEXT = "I think this is the right answer"


@pytest.fixture(scope="module")
def scorer(scoring_models: Path) -> Scorer:
    return Scorer.load(scoring_models, warm_up=False)


@pytest.fixture(scope="module")
def sample(sample_dir: Path) -> tuple[Audio, str]:
    import json

    text = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))["text"]
    return load_audio(sample_dir / "sample.flac"), text


def _espeak(tmp: Path, text: str, voice: str = "en-us") -> Audio:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed (scripts/lib.sh installs it)")
    wav = tmp / f"{voice}-{text.replace(' ', '_')}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(wav), "--", text], check=True)
    return load_audio(wav)


def test_white_noise_is_refused_not_scored(scorer: Scorer) -> None:
    rng = np.random.default_rng(0)
    for seconds, text in [(1.0, "think"), (1.0, "ship, sheep"), (4.0, THINK_TEXT)]:
        noise = (rng.standard_normal(int(16000 * seconds)) * 0.05).astype(np.float32)
        with pytest.raises(NotThePromptError, match="did not sound like speech"):
            scorer.score(Audio(noise, 16000), text)


def test_another_sentence_is_refused(scorer: Scorer, sample: tuple[Audio, str]) -> None:
    audio, _ = sample
    with pytest.raises(NotThePromptError, match="did not sound like the prompt"):
        scorer.score(audio, "Good morning, my name is Anna and I live in Spain")
    # and it can still be scored on purpose (the benchmark does, for its correlations)
    forced = scorer.score(audio, "Good morning, my name is Anna", check_prompt=False)
    assert len(forced.words) == 6


def test_a_reading_that_stops_early_names_the_unsaid_words_and_scores_them_low(
    scorer: Scorer, sample: tuple[Audio, str]
) -> None:
    audio, text = sample
    full = scorer.score(audio, text)
    assert not full.warnings and full.completeness >= 9
    # cut at 70 %: the learner stops before the last words
    n = int(len(audio.samples) * 0.7)
    half = scorer.score(Audio(audio.samples[:n], 16000), text)
    cut = n / 16000
    unsaid = [w for w, ref in zip(half.words, full.words, strict=True) if ref.start >= cut]
    assert unsaid, "the sample's second half holds words"
    assert all(w.accuracy <= 4 for w in unsaid)
    assert any("was not heard" in m and unsaid[-1].text in m for m in half.warnings)
    assert half.completeness < full.completeness and half.total < full.total


def test_heard_as_never_contradicts_a_green_phone(scorer: Scorer) -> None:
    result = scorer.score(THINK, THINK_TEXT)
    for p in result.phones:
        if not needs_work(p.score):
            assert p.heard == p.phone and not p.mispronounced
        else:
            assert p.mispronounced


def test_a_correct_reading_does_not_score_lower_for_being_repeated(
    scorer: Scorer, sample: tuple[Audio, str]
) -> None:
    audio, text = sample
    once = scorer.score(audio, text)
    thrice = scorer.score(Audio(np.concatenate([audio.samples] * 3), 16000), " ".join([text] * 3))
    assert thrice.total >= once.total - 1.0
    assert thrice.accuracy >= once.accuracy - 1.0


def test_the_cli_says_a_take_is_not_the_prompt(tmp_path: Path, capsys) -> None:
    import soundfile as sf

    from tutor.cli import main

    noise = tmp_path / "noise.wav"
    rng = np.random.default_rng(1)
    sf.write(str(noise), (rng.standard_normal(16000) * 0.05).astype(np.float32), 16000)
    assert main(["score", str(noise), "think"]) != 0
    assert "did not sound like speech" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("said", "prompt", "phone", "heard"),
    [("sink", "think", "TH", "S"), ("wery", "very", "V", "W"), ("sheep", "ship", "IH", "IY")],
)
def test_the_issues_wrong_words_are_flagged_and_named_while_the_right_reading_stays_green(
    scorer: Scorer, tmp_path: Path, said: str, prompt: str, phone: str, heard: str
) -> None:
    p = next(q for q in scorer.score(_espeak(tmp_path, said), prompt).phones if q.phone == phone)
    assert p.mispronounced and needs_work(p.score) and p.heard == heard, p
    right = scorer.score(_espeak(tmp_path, prompt), prompt)
    assert not any(q.mispronounced for q in right.phones)
    assert all(q.heard == q.phone for q in right.phones)


def test_the_issues_sentence_names_its_wrong_sounds_while_the_right_reading_stays_green(
    scorer: Scorer, tmp_path: Path
) -> None:
    # the issue's own example: "I sink sis is ze light way" read against the prompt. The
    # shipped pair names "sis", "ze" (since stop 42) and "light"; "sink" in this sentence
    # still passes (S is 1.99 nats over TH, under the confusion line; model card, stop 43).
    prompt = "I think this is the right way"
    wrong = scorer.score(_espeak(tmp_path, "I sink sis is ze light way"), prompt)
    words = {w.text: w for w in wrong.words}
    for word, phone, heard in [("this", "DH", "S"), ("the", "DH", "Z"), ("right", "R", "L")]:
        p = words[word].phones[0]
        assert p.phone == phone and p.mispronounced and p.heard == heard, (word, p)
    right = scorer.score(_espeak(tmp_path, prompt), prompt)
    assert not any(p.mispronounced for p in right.phones)
    assert all(p.heard == p.phone for p in right.phones)
    assert right.total > wrong.total
