"""Merging synthetic-speech manifests for training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.train.synth_merge import main, merge_manifests


def write_manifest(folder: Path, ids: list[str], timed: bool = True) -> Path:
    folder.mkdir(parents=True)
    segments = [["SIL", 0.0, 0.1], ["AA", 0.1, 0.3]] if timed else None
    lines = [json.dumps({"id": i, "audio": f"audio/{i}.flac", "segments": segments}) for i in ids]
    path = folder / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_merge_keeps_timed_utterances_with_absolute_audio_paths(tmp_path: Path) -> None:
    a = write_manifest(tmp_path / "a", ["a1", "a2"])
    b = write_manifest(tmp_path / "b", ["b1"], timed=False)
    out = tmp_path / "merged" / "manifest.jsonl"
    assert merge_manifests(out, [a, b]) == (2, 1)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a1", "a2"]
    assert all(Path(r["audio"]).is_absolute() for r in records)
    assert records[0]["audio"] == str((tmp_path / "a" / "audio" / "a1.flac").resolve())


def test_untimed_takes_are_kept_when_asked_with_their_audio_found(tmp_path: Path) -> None:
    # distil_whisper aligns espeak-ng's untimed takes itself: a merge for it keeps them
    a = write_manifest(tmp_path / "a", ["a1"])
    b = write_manifest(tmp_path / "b", ["b1", "b2"], timed=False)
    out = tmp_path / "merged.jsonl"
    assert main([str(out), str(a), str(b), "--keep-untimed"]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a1", "b1", "b2"]
    assert records[2]["audio"] == str((tmp_path / "b" / "audio" / "b2.flac").resolve())
    assert records[2]["segments"] is None


def test_an_id_in_two_manifests_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a = write_manifest(tmp_path / "a", ["x1"])
    b = write_manifest(tmp_path / "b", ["x1"])
    assert main([str(tmp_path / "out.jsonl"), str(a), str(b)]) == 1
    assert "already in an earlier manifest" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()  # nothing half-written


def test_a_missing_or_broken_manifest_gets_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main([str(tmp_path / "out.jsonl"), str(tmp_path / "nope.jsonl")]) == 1
    assert "manifest not found" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main([str(tmp_path / "out.jsonl"), str(bad)]) == 1
    assert "bad.jsonl:1" in capsys.readouterr().err
