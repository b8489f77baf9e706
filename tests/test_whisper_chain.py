"""The chain runs independent single-threaded stages (the two heads, the benches) side by
side; results must come back in order and a failing stage must stop the chain. Each
distillation gets the audio its recipe asks for (``--plain-folds``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tutor.train.whisper_chain import _side_by_side


def test_stages_run_side_by_side_return_in_order() -> None:
    assert _side_by_side([(pow, (2, 3)), (pow, (3, 2)), (abs, (-4,))]) == [8, 9, 4]
    assert _side_by_side([]) == []


def test_a_failing_stage_is_raised_in_the_chain() -> None:
    with pytest.raises(ValueError):
        _side_by_side([(int, ("1",)), (int, ("not a number",))])


def test_a_stage_that_exits_stops_the_chain_with_its_message() -> None:
    # _step raises SystemExit("[chain] ... failed") in the worker; the chain must exit too
    with pytest.raises(SystemExit, match="head failed"):
        _side_by_side([(sys.exit, ("[chain] head failed",)), (abs, (1,))])


class _Stop(Exception):
    """Raised where the heads would start: the test only looks at the distillations."""


def _distillations(
    tmp_path, monkeypatch, *options: str, heads_seen: list | None = None
) -> dict[str, list[str]]:
    """The argv each distillation of the chain gets (the stages themselves are faked);
    ``heads_seen`` receives the head stages the chain asks for."""
    from tutor.train import distil_whisper, whisper_chain, whisper_teacher

    calls: dict[str, list[str]] = {}

    def distil(argv: list[str]) -> int:
        calls[Path(argv[argv.index("--out") + 1]).name] = argv
        return 0

    def heads(calls: list) -> None:
        if heads_seen is not None:
            heads_seen.extend(calls)
        raise _Stop

    (tmp_path / "teacher").mkdir(parents=True)
    (tmp_path / "teacher" / "phones.pt").touch()  # the teacher's phone model is cached
    monkeypatch.setattr(whisper_teacher, "main", lambda argv: 0)
    monkeypatch.setattr(distil_whisper, "main", distil)
    monkeypatch.setattr(whisper_chain, "_side_by_side", heads)
    argv = ["--data", str(tmp_path), "--out", str(tmp_path), "--models", str(tmp_path)]
    with pytest.raises(_Stop):
        whisper_chain.main([*argv, "--cross-fit", "2", "--noisy", "0.5", *options])
    return calls


def test_fold_students_hear_what_the_student_hears(tmp_path, monkeypatch) -> None:
    calls = _distillations(
        tmp_path, monkeypatch, "--spectral-front", "32", "--voicing", "--dilations", "1,2,4"
    )
    assert set(calls) == {"student", "fold0", "fold1"}
    for argv in calls.values():
        assert "--noisy" in argv and argv[argv.index("--noisy") + 1] == "0.5"
        assert "--spectral-front" in argv and "--voicing" in argv
        assert argv[argv.index("--dilations") + 1] == "1,2,4"


def test_the_chain_refuses_bad_dilations_before_any_step(tmp_path, capsys) -> None:
    from tutor.train import whisper_chain

    with pytest.raises(SystemExit):
        whisper_chain.main(["--data", str(tmp_path), "--out", str(tmp_path), "--dilations", "0,2"])
    assert "--dilations" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_plain_folds_hear_the_clean_corpus_only(tmp_path, monkeypatch) -> None:
    calls = _distillations(tmp_path, monkeypatch, "--spectral-front", "32", "--plain-folds")
    assert "--noisy" in calls["student"]
    for fold in ("fold0", "fold1"):
        assert "--noisy" not in calls[fold] and "--synth" not in calls[fold]
        assert "--spectral-front" in calls[fold]  # the same model, only the audio differs
        assert "--leave-out" in calls[fold]


def test_synth_known_reaches_the_student_not_the_plain_folds(tmp_path, monkeypatch) -> None:
    calls = _distillations(tmp_path, monkeypatch, "--synth-known", "--plain-folds")
    assert "--synth-known" in calls["student"]
    assert all("--synth-known" not in calls[fold] for fold in ("fold0", "fold1"))
    argv = calls["student"]
    assert argv[argv.index("--synth-known") + 1] == "all"
    swaps = _distillations(tmp_path / "swaps", monkeypatch, "--synth-known", "swaps")["student"]
    assert swaps[swaps.index("--synth-known") + 1] == "swaps"


def test_a_made_manifest_and_the_swap_options_reach_the_student(tmp_path, monkeypatch) -> None:
    manifest = tmp_path / "bal" / "manifest.jsonl"
    options = ["--synth-known", "swaps", "--swap-weight", "3", "--swap-contrast", "1"]
    argv = _distillations(
        tmp_path / "run", monkeypatch, *options, "--synth", str(manifest), "--synth-takes", "8"
    )["student"]
    assert argv[argv.index("--swap-weight") + 1] == "3.0"
    assert argv[argv.index("--swap-contrast") + 1] == "1.0"
    assert argv[argv.index("--synth") + 1] == str(manifest)  # not takes made by the chain
    assert not (tmp_path / "run" / "synth").exists()


def test_a_fine_tune_or_another_draw_starts_the_student_alone(tmp_path, monkeypatch) -> None:
    start = ["--init", "runs/x/student/ckpt.pt", "--kd-start", "0.5", "--kd-end", "0.5",
             "--max-lr", "5e-4", "--seed", "2", "--phone-margins", "0.3",
             "--phone-margins-mode", "floor"]  # fmt: skip
    calls = _distillations(tmp_path, monkeypatch, *start)
    argv = calls["student"]
    assert argv[argv.index("--init") + 1] == "runs/x/student/ckpt.pt"
    assert argv[argv.index("--seed") + 1] == "2"
    assert argv[argv.index("--max-lr") + 1] == "0.0005"
    assert argv[argv.index("--kd-start") + 1] == argv[argv.index("--kd-end") + 1] == "0.5"
    assert argv[argv.index("--phone-margins") + 1] == "0.3"
    assert argv[argv.index("--phone-margins-mode") + 1] == "floor"
    for fold in ("fold0", "fold1"):  # never a start that heard the fold's own speakers
        assert not set(start[::2]) & set(calls[fold])
    fresh = _distillations(tmp_path / "fresh", monkeypatch)["student"]
    assert not set(start[::2]) & set(fresh)  # the distillation's own defaults


def test_a_borrowed_head_trains_the_student_alone(tmp_path, monkeypatch) -> None:
    heads: list = []
    calls = _distillations(tmp_path, monkeypatch, "--heads-from", str(tmp_path), heads_seen=heads)
    assert set(calls) == {"student"} and heads == []


def _row(**changes: float) -> dict:
    """A bench row like the shipped pair's (stop 27's control), with ``changes``."""
    row = {"phone_pcc": 0.661, "word_accuracy_pcc": 0.687, "sentence_total_pcc": 0.826,
           "mdd_f1": 0.545, "sub_caught": 0.747, "sub_heard_as": 0.712,
           "sub_false_alarms": 0.029, "garbage_real_flagged": 0.006,
           "garbage_noise_noticed": 1.0, "garbage_other_noticed": 0.992,
           "garbage_half_noticed": 0.976, "half_unsaid_low": 0.97,
           "model_bytes": 1_566_002, "latency_ms_p50": 26.0}  # fmt: skip
    return {**row, **changes}


def test_a_borrowed_pair_replaces_the_reference_only_when_ahead() -> None:
    from tutor.train.ship_rule import replaces_reference

    ref = _row()
    assert replaces_reference(_row(phone_pcc=0.670), ref) == []
    assert replaces_reference(_row(), ref) == ["no headline figure ahead of the reference"]
    # ahead on agreement but catching fewer wrong sounds: kept out
    (why,) = replaces_reference(_row(phone_pcc=0.680, sub_caught=0.73), ref)
    assert why.startswith("sub_caught")
    # ahead, but over the trust issue's ceilings and floors
    assert replaces_reference(_row(sub_caught=0.80, sub_false_alarms=0.035), ref)
    assert replaces_reference(_row(sub_caught=0.80, garbage_real_flagged=0.03), ref)
    assert replaces_reference(_row(sub_caught=0.80, garbage_other_noticed=0.94), ref)
    assert replaces_reference(_row(sub_caught=0.80, latency_ms_p50=40.0), ref)
    assert replaces_reference(_row(sub_caught=0.80, model_bytes=5_000_001), ref)
    # a loaded machine slows both pairs alike: the ratio decides, not the absolute p50
    busy = _row(latency_ms_p50=90.0)
    assert replaces_reference(_row(sub_caught=0.80, latency_ms_p50=100.0), busy) == []
    # a ratio measured side by side overrides p50s cached from different runs
    (why,) = replaces_reference(_row(sub_caught=0.80), ref, latency_ratio=1.5)
    assert why == "1.50x as slow as the reference"
    assert replaces_reference(_row(sub_caught=0.80, latency_ms_p50=60.0), ref, None, 1.1) == []


def test_the_paired_latency_ratio_times_both_pairs_under_the_same_clock(monkeypatch) -> None:
    """Two fake scorers on a fake clock: the new one costs 3 ticks, the reference 2."""
    from types import SimpleNamespace

    from tutor.scoring import bench

    clock = [0.0]
    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(bench, "load_audio", lambda path: path)
    order = []

    class Fake:
        def __init__(self, name: str, cost: float) -> None:
            self.name, self.cost = name, cost

        def score(self, audio, text, words, check_prompt):
            assert check_prompt is False  # timing must not depend on a refusal
            order.append(self.name)
            clock[0] += self.cost

    utts = [SimpleNamespace(audio=f"{k}.flac", text="a", words=[]) for k in range(4)]
    ratio = bench.paired_latency_ratio(Fake("new", 3.0), Fake("ref", 2.0), utts, rounds=2)
    assert ratio == 1.5
    assert order[:4] == ["new", "ref", "ref", "new"]  # who goes first alternates
    assert order.count("new") == order.count("ref") == 8


def test_a_shipped_borrowed_head_names_its_new_acoustic_model(tmp_path) -> None:
    from tutor.train import whisper_chain
    from tutor.train.export import get_metadata

    pair, to = tmp_path / "pair", tmp_path / "assets"
    pair.mkdir()
    _tiny_model(pair / "acoustic.onnx", {"version": "new-student"})
    _tiny_model(pair / "head.onnx", {"version": "old-head", "acoustic_version": "old-student"})
    whisper_chain.ship_borrowed(pair, to)
    head = get_metadata(to / "head.onnx")
    assert head["acoustic_version"] == "new-student"
    assert head["knee_calibrated_with"] == "old-student" and head["version"] == "old-head"
    assert get_metadata(to / "acoustic.onnx")["version"] == "new-student"
    assert get_metadata(pair / "head.onnx")["acoustic_version"] == "old-student"
    whisper_chain.ship_borrowed(pair, to, knee_refit=True)  # the knee was measured on it
    assert get_metadata(to / "head.onnx")["knee_calibrated_with"] == "new-student"


def _tiny_model(path: Path, metadata: dict[str, str]) -> None:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph)
    helper.set_model_props(model, metadata)
    onnx.save(model, str(path))


def test_a_borrowed_head_gets_this_students_confusion_line(tmp_path, monkeypatch) -> None:
    from tutor.train import prompt_calibration, whisper_chain
    from tutor.train.export import get_metadata

    student, shipped = tmp_path / "student", tmp_path / "shipped"
    student.mkdir()
    shipped.mkdir()
    _tiny_model(student / "acoustic.onnx", {"version": "new"})
    _tiny_model(shipped / "head.onnx", {"version": "old-head", "confusion_line": "2.75"})
    checks: list[list[str]] = []

    def calibrate(argv: list[str]) -> int:
        checks.append(argv)
        from tutor.train.export import set_metadata

        set_metadata(student / "acoustic.onnx", {"prompt_check": "{}"})
        return 0

    monkeypatch.setattr(prompt_calibration, "main", calibrate)
    whisper_chain._borrowed_head("data", student, shipped / "head.onnx", 2.93)
    head = get_metadata(student / "head.onnx")
    assert head["confusion_line"] == "2.93" and head["version"] == "old-head"
    assert get_metadata(shipped / "head.onnx")["confusion_line"] == "2.75"  # a copy changed
    assert len(checks) == 1  # the student had no prompt check yet
    whisper_chain._borrowed_head("data", student, shipped / "head.onnx", 3.1)
    assert len(checks) == 1  # measured once
    assert get_metadata(student / "head.onnx")["confusion_line"] == "3.1"
    assert "test_time_speeds" not in get_metadata(student / "head.onnx")


def test_a_single_pass_head_runs_the_acoustic_model_once(scoring_models, tmp_path) -> None:
    """``--single-pass``: the borrowed head, or the trained heads' blend, names speed 1
    alone, so the engine scores each take once, where a head trained at three speeds
    averages three passes; without the option the head keeps its speeds."""
    import shutil

    from tutor.scoring.model import ScoringHead
    from tutor.train import whisper_chain
    from tutor.train.export import set_metadata

    student, three = tmp_path / "student", tmp_path / "three" / "head.onnx"
    student.mkdir()
    three.parent.mkdir()
    shutil.copy2(scoring_models / "acoustic.onnx", student / "acoustic.onnx")
    shutil.copy2(scoring_models / "head.onnx", three)
    set_metadata(three, {"test_time_speeds": "1.0,0.9,1.1"})
    whisper_chain._borrowed_head("data", student, three, 2.9)
    assert ScoringHead.load(student / "head.onnx").test_time_speeds == (1.0, 0.9, 1.1)
    whisper_chain._borrowed_head("data", student, three, 2.9, single_pass=True)
    assert ScoringHead.load(student / "head.onnx").test_time_speeds == (1.0,)
    # the trained heads' blend (the chain without --heads-from)
    blended = tmp_path / "blend" / "head.onnx"
    blended.parent.mkdir()
    mix = [str(three), str(three), "--weight", "0.5"]
    whisper_chain._blend(mix, blended, 1.4)
    assert ScoringHead.load(blended).test_time_speeds == (1.0, 0.9, 1.1)
    whisper_chain._blend(mix, blended, 1.4, single_pass=True)
    assert ScoringHead.load(blended).test_time_speeds == (1.0,)


def test_classroom_noise_counts_in_the_comparison() -> None:
    from tutor.train.ship_rule import classroom_pairs, replaces_reference

    ref = _row()
    rows = {"int8": _row(), "reference": ref,
            "int8, 10 dB classroom": {"phone_pcc": 0.560},
            "reference, 10 dB classroom": {"phone_pcc": 0.540},
            "int8, 20 dB classroom": {"phone_pcc": 0.630}}  # fmt: skip
    pairs = classroom_pairs(rows)
    assert list(pairs) == [10]  # 20 dB: the reference was not measured there
    # level on clean speech, ahead through noise: that is ahead
    assert replaces_reference(rows["int8"], ref, pairs) == []
    # ahead on clean speech, behind through noise: kept out
    behind = {10: ({"phone_pcc": 0.520}, {"phone_pcc": 0.540})}
    (why,) = replaces_reference(_row(sub_caught=0.80), ref, behind)
    assert why == "phone_pcc at 10 dB 0.520 < 0.540"


def test_the_reference_is_named_or_the_pair_that_would_be_replaced(tmp_path) -> None:
    import argparse

    from tutor.train.whisper_chain import MODEL_FILES, main, reference_pair

    shipped, borrowed, named, empty = (tmp_path / n for n in ("shipped", "b", "n", "empty"))
    for folder in (shipped, borrowed, named):
        folder.mkdir()
        for name in MODEL_FILES:
            (folder / name).touch()
    empty.mkdir()

    def args(**given: Path) -> argparse.Namespace:
        return argparse.Namespace(**{"reference": None, "heads_from": None, "ship_to": None,
                                     **given})  # fmt: skip

    assert reference_pair(args()) is None
    assert reference_pair(args(ship_to=empty)) is None  # nothing there to beat yet
    assert reference_pair(args(ship_to=shipped)) == shipped
    assert reference_pair(args(ship_to=shipped, heads_from=borrowed)) == borrowed
    assert reference_pair(args(ship_to=shipped, heads_from=borrowed, reference=named)) == named
    with pytest.raises(SystemExit):  # a named reference without a pair is an error
        main(["--data", str(tmp_path), "--out", str(tmp_path / "out"), "--reference", str(empty)])


def test_a_pair_ships_only_if_it_hears_the_trust_tests_own_words(
    scoring_models: Path, tmp_path: Path
) -> None:
    """The shipped pair passes the ear check; the same pair with its knee pushed so low and
    its confusion line so high that almost nothing can turn amber lets "sink" pass, and the
    chain must not ship it."""
    import shutil

    import onnx

    from tutor.train.export import set_metadata
    from tutor.train.head_mix import with_knee
    from tutor.train.ship_rule import ear_failures

    assert ear_failures(scoring_models) == []
    deaf = tmp_path / "deaf"
    deaf.mkdir()
    shutil.copy2(scoring_models / "acoustic.onnx", deaf / "acoustic.onnx")
    onnx.save(with_knee(onnx.load(str(scoring_models / "head.onnx")), 0.2), str(deaf / "head.onnx"))
    set_metadata(deaf / "head.onnx", {"confusion_line": "99"})
    why = ear_failures(deaf)
    assert why and any("'sink' for 'think'" in w for w in why), why
    assert any("'tree' for 'three'" in w for w in why), why  # the README's fourth word


def test_a_new_model_under_the_shipped_ones_version_does_not_ship(
    scoring_models: Path, tmp_path: Path
) -> None:
    import shutil

    from tutor.train.export import get_metadata, set_metadata
    from tutor.train.ship_rule import version_clash

    twin = tmp_path / "twin"
    shutil.copytree(scoring_models, twin)
    assert version_clash(twin, scoring_models) == []  # the same file is no clash
    set_metadata(twin / "acoustic.onnx", {"prompt_check": "{}"})  # another model, same name
    version = get_metadata(scoring_models / "acoustic.onnx")["version"]
    assert version_clash(twin, scoring_models) == [
        f"its acoustic model has the shipped one's version {version!r}: give it its own"
    ]
    set_metadata(twin / "acoustic.onnx", {"version": version + "-2"})
    assert version_clash(twin, scoring_models) == []


def test_the_confusion_line_is_measured_again_at_another_share(tmp_path, monkeypatch) -> None:
    import numpy as np

    from tutor.train import margin_check, whisper_chain

    measured: list[int] = []

    def margins(valid: object, posteriors: object) -> margin_check.Margins:
        measured.append(1)
        return margin_check.Margins(np.array([]), np.linspace(0.0, 10.0, 1001), [], [])

    monkeypatch.setattr(margin_check, "margins", margins)
    monkeypatch.setattr(margin_check, "model_posteriors", lambda path: None)
    cache = tmp_path / "line.json"
    at_two = whisper_chain._confusion_line(tmp_path, [], cache, 0.02)
    assert at_two == pytest.approx(9.8, abs=0.011) and len(measured) == 1
    assert whisper_chain._confusion_line(tmp_path, [], cache, 0.02) == at_two
    assert len(measured) == 1  # cached
    assert whisper_chain._confusion_line(tmp_path, [], cache, 0.05) == pytest.approx(9.5, abs=0.011)
    assert len(measured) == 2  # not the 2 % line again
