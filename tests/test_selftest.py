"""``tutor --self-test``: passes on a working install, fails loudly and clearly otherwise."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.commands import selftest
from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult


def _args(**kwargs: object) -> argparse.Namespace:
    return argparse.Namespace(**kwargs)


def _result(total: float = 7.5, start: float = 0.1, end: float = 0.3) -> UtteranceResult:
    phone = PhoneResult("TH", None, start, end, 1.8, -0.2, "TH", False)
    word = WordResult("think", (phone,), start, end, 8.0, 9.0, 8.0)
    return UtteranceResult("think", (word,), 8.0, 7.0, 10.0, 7.0, total, 1.0)


@pytest.fixture
def lessons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "lessons"
    (folder / "basics").mkdir(parents=True)
    monkeypatch.setenv("TUTOR_LESSONS", str(folder))
    return folder


def test_missing_sample_fails_with_a_clear_reason(tmp_path, lessons, capsys):
    assert selftest.run(_args(samples=tmp_path / "nowhere")) == 1
    out = capsys.readouterr().out
    assert "[FAIL] scoring:" in out and "sample.json is missing" in out
    assert "[ok  ] user data folder" in out
    assert out.rstrip().endswith("self-test FAILED (1 problem(s))")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"audio": "sample.flac"}', 'must be an object with a "text"'),
        ('{"text": "hello", "audio": "gone.flac"}', "gone.flac is missing"),
        ('{"text": "hello", "min_total": "high"}', '"min_total"'),
    ],
)
def test_broken_sample_metadata_is_reported(tmp_path, content, reason):
    (tmp_path / "sample.json").write_text(content, encoding="utf-8")
    (tmp_path / "sample.flac").write_bytes(b"")
    with pytest.raises(selftest.SelfTestError, match=reason):
        selftest.load_sample(tmp_path)


def test_missing_lessons_fail(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUTOR_LESSONS", str(tmp_path / "empty"))
    assert selftest.run(_args(samples=tmp_path)) == 1
    assert "[FAIL] lessons: no built-in lessons" in capsys.readouterr().out


def test_unwritable_user_folder_fails(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TUTOR_HOME", str(blocker / "home"))
    with pytest.raises(selftest.SelfTestError, match="cannot write to .*file"):
        selftest.check_user_folder()


def test_an_unexpected_error_is_reported_not_raised(tmp_path, lessons, monkeypatch, capsys):
    def broken() -> str:
        raise RuntimeError("libsomething.so: cannot open shared object file")

    monkeypatch.setattr(selftest, "check_user_folder", broken)
    assert selftest.run(_args(samples=tmp_path)) == 1
    assert "[FAIL] user data folder: unexpected RuntimeError: libsomething" in (
        capsys.readouterr().out
    )


def test_result_checks_catch_nonsense():
    sample = selftest.Sample(Path("x.flac"), "think", min_total=6.0)
    assert selftest.result_problems(_result(), sample) == []
    assert "below the expected 6.0" in selftest.result_problems(_result(total=2.0), sample)[0]
    assert "impossible times" in selftest.result_problems(_result(start=0.5, end=0.2), sample)[0]
    two_words = selftest.Sample(Path("x.flac"), "think about it now", None)
    assert "only 1 of about 4 words" in selftest.result_problems(_result(), two_words)[0]


def test_passes_on_the_shipped_models(scoring_models, sample_dir, lessons, capsys):
    assert selftest.run(_args(samples=sample_dir)) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "[ok  ] scoring:" in out and "total" in out
    assert out.rstrip().endswith("self-test passed")


def test_fails_when_the_sample_scores_impossibly_low(
    scoring_models, sample_dir, lessons, tmp_path, capsys
):
    meta = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))
    shutil.copy(sample_dir / meta.get("audio", "sample.flac"), tmp_path / "sample.flac")
    meta.update(audio="sample.flac", min_total=10.5)
    (tmp_path / "sample.json").write_text(json.dumps(meta), encoding="utf-8")
    assert selftest.run(_args(samples=tmp_path)) == 1
    assert "below the expected 10.5" in capsys.readouterr().out


def test_command_line_flag_runs_it(scoring_models, lessons):
    """The real entry point, as the bundle and the README run it (bundled sample)."""
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "--self-test"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout
