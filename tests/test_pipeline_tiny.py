"""The whole model pipeline on a handful of utterances: from a corpus to ONNX files that the
app's runtime loads and scores with. (Training on the full data is not part of the suite.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")

from corpus_helpers import make_tiny_corpus  # noqa: E402

from tutor.scoring.engine import Scorer  # noqa: E402
from tutor.train.cli import main as train_main  # noqa: E402
from tutor.train.report import choose_shipped  # noqa: E402


@pytest.mark.slow
def test_tiny_pipeline_ships_models_the_runtime_scores_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_tiny_corpus(tmp_path / "corpus", split="train", n=12)
    run, ship = tmp_path / "run", tmp_path / "models"
    # --tiny sets no latency budget: what ships must not depend on how busy this machine is
    args = ["all", "--data", str(corpus), "--out", str(run), "--tiny", "--epochs", "0.1",
            "--threads", "1"]  # fmt: skip
    code = train_main([*args, "--ship-to", str(ship)])
    out = capsys.readouterr()
    assert code == 0, f"tutor-train exited {code}:\n{out.err[-2000:]}\n{out.out[-3000:]}"
    assert (ship / "table.md").is_file(), f"nothing shipped:\n{out.out[-3000:]}"
    # the run ends by naming its outputs and the variant it chose, and why
    assert f"table:  {run / 'table.md'}" in out.out
    assert f"report: {run / 'report.json'}" in out.out
    assert f"models: {ship / 'acoustic.onnx'}, {ship / 'head.onnx'}" in out.out
    assert "the best validation phone PCC" in out.out and "with no latency budget" in out.out
    report = json.loads((run / "report.json").read_text())
    for variant in ("teacher", "student", "distil", "prune", "cluster", "int8"):
        assert "phone_pcc" in report[variant], variant
        assert "engine_phone_pcc" in report[variant], variant  # measured through the engine
        assert (run / variant / "head.onnx").is_file()
    assert report["prune"]["sparsity"] == pytest.approx(0.5, abs=0.02)
    assert report["int8"]["acoustic_bytes"] < report["cluster"]["acoustic_bytes"]
    table = (ship / "table.md").read_text()
    assert "INT8" in table and "(shipped)" in table

    scorer = Scorer.load(ship, warm_up=False)
    fixture = Path(__file__).parent / "fixtures" / "festival_think.wav"
    # a model trained on 100 utterances is too unsure of every frame for the prompt check
    # (its thresholds are measured with the shipped model): score past it
    result = scorer.score(fixture, "I think this is the right answer", check_prompt=False)
    assert len(result.phones) == 19
    assert all(0 <= p.score <= 2 for p in result.phones)
    assert scorer.acoustic.metadata["variant"] == choose_shipped(report, budget_ms=math.inf)
    assert scorer.head.test_time_speeds == (1.0, 0.9, 1.1)  # the speeds the head learnt from

    # a second run finds every stage done and changes nothing
    before = (run / "report.json").read_text()
    assert train_main(args) == 0
    assert json.loads((run / "report.json").read_text()).keys() == json.loads(before).keys()

    # with a budget no variant meets, nothing ships and the command says so (exit 1)
    capsys.readouterr()
    elsewhere = tmp_path / "elsewhere"
    assert train_main([*args, "--latency-budget", "0", "--ship-to", str(elsewhere)]) == 1
    assert "nothing shipped" in capsys.readouterr().err
    assert not elsewhere.exists()


@pytest.mark.parametrize("missing", ["folder", "labels"])
def test_a_missing_corpus_is_one_clear_line_and_leaves_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    data = tmp_path / "data"
    if missing == "labels":
        (data / "train" / "audio").mkdir(parents=True)
    out = tmp_path / "runs" / "tiny"
    code = train_main(["all", "--data", str(data), "--out", str(out), "--limit", "100", "--tiny"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert str(data) in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_compression_can_start_from_the_student_and_a_mixed_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_tiny_corpus(tmp_path / "corpus", split="train", n=12)
    run = tmp_path / "run"
    args = ["all", "--data", str(corpus), "--out", str(run), "--tiny", "--epochs", "0.1",
            "--threads", "1"]  # fmt: skip
    assert train_main([*args, "--compress-from", "student"]) == 0
    report = json.loads((run / "report.json").read_text())
    assert report["prune"]["compressed_from"] == "student"
    assert "Student alone + magnitude pruning" in (run / "table.md").read_text()
    # the pruned model was made from the student: asking for the distilled one is refused
    capsys.readouterr()
    assert train_main([*args, "--compress-from", "distil"]) == 2
    assert "pruned from 'student'" in capsys.readouterr().err
