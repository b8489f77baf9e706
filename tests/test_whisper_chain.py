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


def _distillations(tmp_path, monkeypatch, *options: str) -> dict[str, list[str]]:
    """The argv each distillation of the chain gets (the stages themselves are faked)."""
    from tutor.train import distil_whisper, whisper_chain, whisper_teacher

    calls: dict[str, list[str]] = {}

    def distil(argv: list[str]) -> int:
        calls[Path(argv[argv.index("--out") + 1]).name] = argv
        return 0

    def heads(_calls: object) -> None:
        raise _Stop

    (tmp_path / "teacher").mkdir()
    (tmp_path / "teacher" / "phones.pt").touch()  # the teacher's phone model is cached
    monkeypatch.setattr(whisper_teacher, "main", lambda argv: 0)
    monkeypatch.setattr(distil_whisper, "main", distil)
    monkeypatch.setattr(whisper_chain, "_side_by_side", heads)
    argv = ["--data", str(tmp_path), "--out", str(tmp_path), "--models", str(tmp_path)]
    with pytest.raises(_Stop):
        whisper_chain.main([*argv, "--cross-fit", "2", "--noisy", "0.5", *options])
    return calls


def test_fold_students_hear_what_the_student_hears(tmp_path, monkeypatch) -> None:
    calls = _distillations(tmp_path, monkeypatch, "--spectral-front", "32")
    assert set(calls) == {"student", "fold0", "fold1"}
    for argv in calls.values():
        assert "--noisy" in argv and argv[argv.index("--noisy") + 1] == "0.5"
        assert "--spectral-front" in argv


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
