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
