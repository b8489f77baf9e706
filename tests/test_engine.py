"""The scorer end to end with the shipped models: the JSON contract and every bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.scoring import AudioError, ModelError, TextError, UtteranceResult
from tutor.scoring.audio import Audio, load_audio
from tutor.scoring.engine import Scorer
from tutor.scoring.errors import NotThePromptError
from tutor.scoring.lexicon import WordPronunciation

FIXTURES = Path(__file__).parent / "fixtures"
THINK = FIXTURES / "festival_think.wav"
TEXT = "I think this is the right answer"


@pytest.fixture(scope="module")
def scorer(scoring_models: Path) -> Scorer:
    return Scorer.load(scoring_models, warm_up=False)


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    data, rate = sf.read(str(THINK), dtype="float32")
    return data, rate


def test_result_covers_every_word_and_phone_in_range(scorer: Scorer) -> None:
    result = scorer.score(THINK, TEXT)
    assert [w.text for w in result.words] == TEXT.split()
    assert len(result.phones) == 19
    for p in result.phones:
        assert 0 <= p.score <= 2 and p.start < p.end <= result.duration + 0.05
    for value in (result.accuracy, result.fluency, result.prosodic, result.total):
        assert 0 <= value <= 10
    assert result.completeness >= 9  # one short phone may read as silence
    starts = [p.start for p in result.phones]
    assert starts == sorted(starts)


def test_json_round_trip_is_lossless(scorer: Scorer) -> None:
    result = scorer.score(THINK, TEXT)
    data = json.loads(result.to_json())
    assert data["version"] == 1 and data["words"][1]["phones"][0]["phone"] == "TH"
    assert UtteranceResult.from_json(result.to_json()) == result


def test_result_of_another_version_is_refused(scorer: Scorer) -> None:
    data = scorer.score(THINK, TEXT).to_dict()
    data["version"] = 99
    with pytest.raises(ValueError, match="version"):
        UtteranceResult.from_dict(data)


def test_heard_as_follows_the_colour_on_a_substituted_take(scorer: Scorer) -> None:
    # festival's "sink" for "think": heard-as never contradicts the colour (a green TH is
    # heard as TH; a TH that needs work names a sound other than TH)
    words = json.loads((FIXTURES / "festival_sink.json").read_text())["words"]
    canonical = [WordPronunciation(w["text"], (tuple(w["canonical"]),), "override") for w in words]
    sink = scorer.score(FIXTURES / "festival_sink.wav", TEXT, words=canonical)
    th = sink.words[1].phones[0]
    assert th.phone == "TH"
    assert (th.heard == "TH") == (not th.mispronounced)


def test_any_sample_rate_and_stereo_give_the_same_alignment(scorer: Scorer, speech) -> None:
    import soxr

    data, rate = speech
    ref = scorer.score(data, TEXT, sample_rate=rate)
    for new_rate in (8000, 48000):
        resampled = soxr.resample(data, rate, new_rate)
        got = scorer.score(resampled, TEXT, sample_rate=new_rate)
        assert len(got.phones) == len(ref.phones)
        assert abs(got.duration - ref.duration) < 0.01
        assert (
            np.mean([abs(a.start - b.start) for a, b in zip(got.phones, ref.phones, strict=True)])
            < 0.05
        )
    low = scorer.score(soxr.resample(data, rate, 8000), TEXT, sample_rate=8000)
    assert any("sample rate" in w for w in low.warnings)
    stereo = np.stack([data, data * 0.5], axis=1)
    assert len(scorer.score(stereo, TEXT, sample_rate=rate).phones) == len(ref.phones)


def test_clipping_is_flagged_not_fatal(scorer: Scorer, speech) -> None:
    data, rate = speech
    clipped = np.clip(data * 50, -1, 1)
    assert any("clipped" in w for w in scorer.score(clipped, TEXT, sample_rate=rate).warnings)


def test_half_the_prompt_lowers_completeness(scorer: Scorer, speech) -> None:
    data, rate = speech
    full = scorer.score(data, TEXT + " " + TEXT, sample_rate=rate)
    assert full.completeness < 9
    assert full.total < scorer.score(data, TEXT, sample_rate=rate).total


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (np.zeros(16000, np.float32), "silent"),
        (np.full(3200, 0.1, np.float32), "too short"),
        (np.random.default_rng(0).normal(0, 0.1, 16000 * 61).astype(np.float32), "too long"),
        (np.array([], np.float32), "empty"),
        (np.full(16000, np.nan, np.float32), "invalid"),
    ],
)
def test_bad_audio_gets_a_clear_error(scorer: Scorer, samples: np.ndarray, message: str) -> None:
    with pytest.raises(AudioError, match=message):
        scorer.score(samples, "hello", sample_rate=16000)


def test_corrupt_and_non_audio_files_are_refused(scorer: Scorer, tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.wav"
    corrupt.write_bytes(THINK.read_bytes()[:40] + b"\x00garbage" * 10)
    text_file = tmp_path / "notes.flac"
    text_file.write_text("not audio at all")
    for path in (corrupt, text_file, tmp_path / "missing.wav"):
        with pytest.raises(AudioError):
            scorer.score(path, "hello")


def test_recording_too_short_for_the_text(scorer: Scorer, speech) -> None:
    data, rate = speech
    with pytest.raises(AudioError, match="too short to hold"):
        scorer.score(data[: rate // 2], TEXT * 4, sample_rate=rate)


@pytest.mark.parametrize("text", ["", "   ", "!!! ???", "你好"])
def test_text_without_words_is_refused(scorer: Scorer, text: str) -> None:
    with pytest.raises(TextError):
        scorer.score(THINK, text)


def test_unknown_and_foreign_words_still_score(scorer: Scorer) -> None:
    # the recording says another sentence, which is refused; scored on purpose, the
    # invented and foreign words still get pronunciations and phones
    with pytest.raises(NotThePromptError):
        scorer.score(THINK, "I think Xiaoming zorblat the café")
    result = scorer.score(THINK, "I think Xiaoming zorblat the café", check_prompt=False)
    assert [w.text for w in result.words][2:4] == ["Xiaoming", "zorblat"]
    assert all(w.phones for w in result.words)


def test_background_noise_and_padding_silence_keep_the_alignment(scorer: Scorer, speech) -> None:
    data, rate = speech
    ref = scorer.score(data, TEXT, sample_rate=rate)
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 1, len(data)).astype(np.float32)
    noise *= np.sqrt(np.mean(data**2) / np.mean(noise**2)) / 10 ** (15 / 20)  # 15 dB SNR
    noisy = scorer.score(data + noise, TEXT, sample_rate=rate)
    pad = np.zeros(rate, np.float32)
    padded = scorer.score(np.concatenate([pad, data, pad]), TEXT, sample_rate=rate)
    for got, shift in ((noisy, 0.0), (padded, 1.0)):
        diffs = [
            abs(a.start - shift - b.start) for a, b in zip(got.phones, ref.phones, strict=True)
        ]
        assert np.median(diffs) <= 0.04


def _with_speeds(scorer: Scorer, speeds: str) -> Scorer:
    head = replace(scorer.head, metadata={**scorer.head.metadata, "test_time_speeds": speeds})
    return Scorer(scorer.acoustic, head)


def test_test_time_speeds_come_from_the_head_metadata(scorer: Scorer) -> None:
    assert _with_speeds(scorer, "").head.test_time_speeds == (1.0,)
    assert _with_speeds(scorer, "0.9,1.0,1.1").head.test_time_speeds == (1.0, 0.9, 1.1)
    for bad in ("fast", "0.9,0.1"):
        with pytest.raises(ModelError, match="test_time_speeds"):
            _ = _with_speeds(scorer, bad).head.test_time_speeds


def test_test_time_speeds_average_the_scores_and_keep_the_timing(scorer: Scorer) -> None:
    # real learner speech (TTS speech scores near 2 at every speed, which proves nothing)
    from tutor.paths import assets_dir

    sample = assets_dir() / "samples" / "sample.flac"
    text = json.loads(sample.with_suffix(".json").read_text())["text"]
    plain = _with_speeds(scorer, "1.0").score(sample, text)
    slow = _with_speeds(scorer, "0.9").score(sample, text)  # mean of speeds 1.0 and 0.9
    fast = _with_speeds(scorer, "1.1").score(sample, text)  # mean of speeds 1.0 and 1.1
    both = _with_speeds(scorer, "0.9,1.1").score(sample, text)  # mean of all three
    # times come from the recording as it is; heard-as follows each run's own score (a
    # green phone is heard as itself), so it is not compared here
    timing = [(p.phone, p.start, p.end) for p in plain.phones]
    for r in (slow, fast, both):
        assert [(p.phone, p.start, p.end) for p in r.phones] == timing
    p1, a, b, t = (np.array([p.score for p in r.phones]) for r in (plain, slow, fast, both))
    assert np.abs(t - p1).max() > 0.01  # the other passes change the scores
    inside = (np.minimum.reduce([p1, a, b, t]) > 0.02) & (np.maximum.reduce([p1, a, b, t]) < 1.98)
    # a phone heard as another sound is capped at amber after the mean: not linear either
    rivals = scorer.rivals(load_audio(sample), text)
    assert len(rivals) == len(p1)
    inside &= np.array([r.margin <= scorer.head.confusion_line for _, _, r in rivals])
    assert inside.sum() >= 5  # (clipping to 0..2 or the cap would break the arithmetic below)
    # 0.9 pass = 2a - p1, 1.1 pass = 2b - p1, so the three-pass mean is (2a + 2b - p1) / 3
    assert np.allclose(t[inside], ((2 * a + 2 * b - p1) / 3)[inside], atol=0.005)


def test_a_speed_with_too_few_frames_is_skipped(scorer: Scorer, speech) -> None:
    data, rate = speech
    words = scorer.expected(TEXT)
    n_phones = sum(min(len(v) for v in w.variants) for w in words)
    audio = load_audio(data, rate)
    tta = _with_speeds(scorer, "1.1")
    for n in range(int(0.3 * rate), len(data), rate // 100):
        cut = Audio(audio.samples[:n], rate)
        if len(tta._log_posteriors(cut, 1.0)) >= n_phones > len(tta._log_posteriors(cut, 1.1)):
            break
    else:
        pytest.fail("no cut fits the text at speed 1.0 but not at 1.1")
    # every word forced in (the engine itself would score only the words the cut holds):
    # the 1.1 pass has too few frames and is skipped, so the outputs are the 1.0 pass's
    alignment, _, outputs = tta._rate(tta._log_posteriors(cut, 1.0), [w.variants for w in words])
    averaged = tta._average_speeds(cut, words, alignment, outputs)
    assert averaged is outputs


def _with_line(scorer: Scorer, line: str) -> Scorer:
    head = replace(scorer.head, metadata={**scorer.head.metadata, "confusion_line": line})
    return Scorer(scorer.acoustic, head)


def test_a_phone_heard_as_a_confusable_sound_over_the_line_is_at_best_amber(
    scorer: Scorer,
) -> None:
    from tutor.scoring.alignment import force_align
    from tutor.scoring.bands import PHONE_HEARD_OTHER
    from tutor.scoring.substitution import competitors

    words = json.loads((FIXTURES / "festival_sink.json").read_text())["words"]
    canonical = [WordPronunciation(w["text"], (tuple(w["canonical"]),), "override") for w in words]
    audio = load_audio(FIXTURES / "festival_sink.wav")
    log_post = scorer._log_posteriors(audio, 1.0)
    rivals = competitors(log_post, force_align(log_post, [w.variants for w in canonical]))
    line = 0.25
    over = [k for k, r in enumerate(rivals) if r.margin > line]
    assert over, "the sink take should hold a phone heard as another sound"
    without = _with_line(scorer, "").score(audio, TEXT, words=canonical)
    capped = _with_line(scorer, str(line)).score(audio, TEXT, words=canonical)
    for k, (a, b) in enumerate(zip(without.phones, capped.phones, strict=True)):
        if k in over:
            assert b.score == min(a.score, PHONE_HEARD_OTHER) and b.mispronounced
            assert b.heard == rivals[k].phone != b.phone
        else:
            assert b == a
    assert capped.words[1].accuracy == without.words[1].accuracy  # the head's words stand
    for bad in ("wide", "0", "-1", "nan"):
        with pytest.raises(ModelError, match="confusion_line"):
            _ = _with_line(scorer, bad).head.confusion_line


def test_rivals_are_the_evidence_behind_the_amber_cap_and_heard_as(scorer: Scorer) -> None:
    # festival's "sink" for "think": each aligned phone's rival, as Scorer.rivals reports
    # it, caps the phone that score() returns and names what it was heard as
    from tutor.scoring.bands import PHONE_HEARD_OTHER

    audio = load_audio(FIXTURES / "festival_sink.wav")
    line = 0.25
    capped = _with_line(scorer, str(line))
    rivals = capped.rivals(audio, TEXT)
    result = capped.score(audio, TEXT)
    phones = [(i, p) for i, w in enumerate(result.words) for p in w.phones]
    assert [(word, phone) for word, phone, _ in rivals] == [(i, p.phone) for i, p in phones]
    over = [(p, r) for (_, p), (_, _, r) in zip(phones, rivals, strict=True) if r.margin > line]
    assert over, "the sink take should hold a phone heard as another sound"
    for phone, rival in over:
        assert phone.score <= PHONE_HEARD_OTHER and phone.mispronounced
        assert phone.heard == rival.phone != phone.phone


def test_rivals_follow_given_words_as_score_does(scorer: Scorer) -> None:
    # the swap check scores explicit pronunciations; their rivals must be of those phones
    from tutor.scoring.lexicon import WordPronunciation

    audio = load_audio(FIXTURES / "festival_sink.wav")
    words = scorer.expected(TEXT)
    assert scorer.rivals(audio, TEXT, words=words) == scorer.rivals(audio, TEXT)
    first = words[1].variants[0]  # "think": TH IH NG K
    said = (("S", *first[1:]),)
    told = [*words[:1], WordPronunciation(words[1].text, said, "override"), *words[2:]]
    rivals = scorer.rivals(audio, TEXT, words=told)
    assert [phone for word, phone, _ in rivals if word == 1][0] == "S"
    assert [phone for _, phone, _ in rivals] == [
        p.phone for w in scorer.score(audio, TEXT, words=told).words for p in w.phones
    ]
