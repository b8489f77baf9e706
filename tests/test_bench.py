"""``tutor bench`` on a tiny corpus in the speechocean762 layout, and its error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_helpers import make_tiny_corpus

from tutor.cli import main
from tutor.scoring.bench import BENCH_KEYS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_corpus(tmp_path_factory.mktemp("corpus"), split="unseen-split", n=8)


def test_bench_reports_exactly_the_contract_keys(
    corpus: Path, scoring_models: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(["bench", "--data", str(corpus), "--split", "unseen-split", "--json", str(out)]) == 0
    )
    data = json.loads(out.read_text())
    assert list(data) == list(BENCH_KEYS)
    assert data["n_utterances"] == 8
    assert data["n_phones"] == sum(
        len(w["phones"])
        for u in json.loads((corpus / "unseen-split" / "scores.json").read_text()).values()
        for w in u["words"]
    )
    assert -1 <= data["phone_pcc"] <= 1 and data["latency_ms_p50"] > 0
    assert data["model_bytes"] == sum(p.stat().st_size for p in scoring_models.glob("*.onnx"))
    assert "phone_pcc" in capsys.readouterr().out


def test_bench_limit_and_speaker_filter(corpus: Path, scoring_models: Path, tmp_path: Path) -> None:
    speakers = tmp_path / "speakers.txt"
    speakers.write_text("# two of the four\nSPEAKER9001\nSPEAKER9002\n")
    out = tmp_path / "b.json"
    args = ["bench", "--data", str(corpus), "--split", "unseen-split", "--json", str(out)]
    assert main([*args, "--speakers", str(speakers)]) == 0
    assert json.loads(out.read_text())["n_utterances"] == 4
    assert main([*args, "--limit", "3"]) == 0
    assert json.loads(out.read_text())["n_utterances"] == 3


def test_missing_split_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["bench", "--data", str(tmp_path), "--split", "test"]) == 2
    assert "No split folder" in capsys.readouterr().err


def test_malformed_scores_are_a_clear_error(tmp_path: Path, capsys) -> None:
    split = tmp_path / "test"
    (split / "audio" / "SPEAKER0001").mkdir(parents=True)
    (split / "scores.json").write_text("{not json")
    assert main(["bench", "--data", str(tmp_path), "--split", "test"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    (split / "scores.json").write_text(
        json.dumps(
            {
                "u1": {
                    "text": "HI",
                    "words": [{"text": "HI", "phones": ["QQ"], "phones-accuracy": [2]}],
                }
            }
        )
    )
    (split / "audio" / "SPEAKER0001" / "u1.flac").write_bytes(b"")
    assert main(["bench", "--data", str(tmp_path), "--split", "test"]) == 2
    assert "malformed" in capsys.readouterr().err


@pytest.fixture(scope="module")
def clean_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus with every phone labelled correct, so --substitute has readings
    to swap phones in."""
    root = make_tiny_corpus(tmp_path_factory.mktemp("clean"), split="clean", n=6)
    path = root / "clean" / "scores.json"
    scores = json.loads(path.read_text())
    for utt in scores.values():
        for w in utt["words"]:
            w["phones-accuracy"] = [2.0] * len(w["phones"])
    path.write_text(json.dumps(scores))
    return root


def test_substitute_and_garbage_modes_report_their_keys(
    clean_corpus: Path, scoring_models: Path, tmp_path: Path
) -> None:
    from tutor.scoring.bench import GARBAGE_KEYS, SUBSTITUTE_KEYS

    out = tmp_path / "trust.json"
    args = ["bench", "--data", str(clean_corpus), "--split", "clean", "--json", str(out)]
    assert main([*args, "--substitute", "--garbage"]) == 0
    data = json.loads(out.read_text())
    assert list(data) == [*BENCH_KEYS, *SUBSTITUTE_KEYS, *GARBAGE_KEYS]
    assert data["sub_n"] >= 6 and data["garbage_n"] == 6
    for key in ("sub_caught", "sub_false_alarms", "sub_heard_as", "garbage_real_flagged"):
        assert 0.0 <= data[key] <= 1.0
    assert data["garbage_noise_noticed"] == 1.0  # white noise is never scored as speech
    # deterministic: the same swaps and the same noise give the same figures (timings aside)
    assert main([*args, "--substitute", "--garbage"]) == 0
    timing = {"latency_ms_p50", "latency_ms_p95", "rtf"}
    again = json.loads(out.read_text())
    assert {k: v for k, v in again.items() if k not in timing} == {
        k: v for k, v in data.items() if k not in timing
    }


def test_swaps_are_deterministic_confusions_of_clean_phones(clean_corpus: Path) -> None:
    from tutor.scoring.confusions import confusable
    from tutor.scoring.phones import split_stress
    from tutor.scoring.speechocean import load_split
    from tutor.scoring.trust_bench import swapped_words, swaps_for

    utt = load_split(clean_corpus, "clean")[0]
    swaps = swaps_for(utt)
    assert swaps and swaps == swaps_for(utt)
    for swap in swaps:
        assert swap.expected in confusable(swap.original)
        words = swapped_words(utt, swap)
        changed = [
            (w, i)
            for w, (new, old) in enumerate(zip(words, utt.words, strict=True))
            for i, (a, b) in enumerate(zip(new.variants[0], old.phones, strict=True))
            if a != b
        ]
        assert changed == [(swap.word, swap.index)]
        assert split_stress(words[swap.word].variants[0][swap.index])[0] == swap.expected
    # a reading with any phone the experts did not rate correct gets no swaps
    from dataclasses import replace

    bad_word = replace(utt.words[0], phone_scores=(1.0,) * len(utt.words[0].phones))
    assert swaps_for(replace(utt, words=(bad_word, *utt.words[1:]))) == []
