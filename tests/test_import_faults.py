"""Imports are all or nothing (issue 13, case 3), and ``lesson pack`` ships the audio the
manifest names even from a hidden folder (case 9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.lessons import PackError, import_pack, load_user_packs, user_packs_dir
from tutor.lessons.library import IMPORT_PREFIX, OLD_PREFIX, clean_library

MANIFEST = """format = 1
[pack]
id = "class-7b"
title = "{title}"
level = "beginner"
accent = "en-US"
[[items]]
id = "ship"
type = "word"
text = "ship"
audio = "{audio}"
"""


def make_pack(folder: Path, title: str = "Class 7B", audio: str = "audio/ship.wav") -> Path:
    (folder / Path(audio).parent).mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(MANIFEST.format(title=title, audio=audio), "utf-8")
    tone = 0.2 * np.sin(np.linspace(0, 2 * np.pi * 220, 8000)).astype(np.float32)
    sf.write(folder / audio, tone, 16000)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(library: Path) -> list[str]:
    return [p.name for p in library.iterdir() if p.name.startswith(".")]


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    import_pack(make_pack(tmp_path / "v1", title="Version one"))
    return user_packs_dir()


def symlinked_manifest_pack(tmp_path: Path) -> Path:
    real = make_pack(tmp_path / "real", title="Version two")
    folder = tmp_path / "linked"
    (folder / "audio").mkdir(parents=True)
    (folder / "audio" / "ship.wav").write_bytes((real / "audio" / "ship.wav").read_bytes())
    (folder / "pack.toml").symlink_to(real / "pack.toml")
    return folder


def test_replace_with_a_symlinked_manifest_keeps_the_installed_pack(
    installed: Path, tmp_path: Path
) -> None:
    before = snapshot(installed)
    with pytest.raises(PackError, match="symbolic link"):
        import_pack(symlinked_manifest_pack(tmp_path), replace=True)
    assert snapshot(installed) == before
    assert leftovers(installed) == []
    assert [p.title for p in load_user_packs()] == ["Version one"]


def test_failed_import_leaves_no_folder_that_blocks_the_next(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="symbolic link"):
        import_pack(symlinked_manifest_pack(tmp_path))
    library = user_packs_dir()
    assert list(library.iterdir()) == []
    pack, _ = import_pack(make_pack(tmp_path / "good"))  # not blocked
    assert pack.id == "class-7b"


def test_what_is_installed_is_what_was_validated(installed: Path, tmp_path: Path) -> None:
    """The source passes validation through a symlinked audio file, but links are never
    copied: the staged copy lacks the audio, so nothing is replaced."""
    source = make_pack(tmp_path / "v2", title="Version two")
    outside = tmp_path / "outside.wav"
    (source / "audio" / "ship.wav").rename(outside)
    (source / "audio" / "ship.wav").symlink_to(outside)
    before = snapshot(installed)
    with pytest.raises(PackError, match="was not found"):
        import_pack(source, replace=True)
    assert snapshot(installed) == before and leftovers(installed) == []


def test_interrupted_import_is_cleaned_up(installed: Path, tmp_path: Path) -> None:
    before = snapshot(installed)
    with pytest.raises(KeyboardInterrupt):
        from unittest import mock

        with mock.patch("tutor.lessons.library.validate_folder", side_effect=KeyboardInterrupt):
            import_pack(make_pack(tmp_path / "v2", title="Version two"), replace=True)
    assert snapshot(installed) == before and leftovers(installed) == []


KILLED = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from tutor.lessons import library
    real = library.validate_folder
    def slow(*args, **kwargs):
        report = real(*args, **kwargs)
        print("staged", flush=True)
        time.sleep(60)
        return report
    library.validate_folder = slow
    library.import_pack({source!r}, replace=True)
""")


def test_killed_import_leaves_nothing_after_the_next_start(installed: Path, tmp_path: Path) -> None:
    before = snapshot(installed)
    source = make_pack(tmp_path / "v2", title="Version two")
    code = KILLED.format(root=str(Path(__file__).resolve().parent.parent), source=str(source))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "staged\n", (
            proc.stderr.read() if proc.stderr else ""
        )
        assert any(n.startswith(IMPORT_PREFIX) for n in leftovers(installed))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert [p.title for p in load_user_packs()] == ["Version one"]  # the next start
    assert snapshot(installed) == before and leftovers(installed) == []


def test_replace_killed_between_the_renames_is_undone(installed: Path) -> None:
    before = snapshot(installed)
    (installed / "class-7b").rename(installed / f"{OLD_PREFIX}class-7b")
    work = installed / f"{IMPORT_PREFIX}dead"
    (work / "pack").mkdir(parents=True)
    (work / "owner.pid").write_text("999999999")  # no such process
    assert "restored class-7b" in clean_library(installed)
    assert snapshot(installed) == before and leftovers(installed) == []


def test_a_running_import_is_left_alone(installed: Path) -> None:
    work = installed / f"{IMPORT_PREFIX}live"
    work.mkdir()
    (work / "owner.pid").write_text(str(os.getpid()))
    assert clean_library(installed) == []
    assert work.is_dir()


def test_pack_ships_audio_from_a_hidden_folder(tmp_path: Path) -> None:
    from tutor.lessons import validate_pack, write_pack_archive

    folder = make_pack(tmp_path / "p", audio=".recordings/ship.wav")
    (folder / ".git").mkdir()
    (folder / ".git" / "junk.txt").write_text("x")
    out = write_pack_archive(folder, tmp_path / "p.tutorpack")
    assert sorted(zipfile.ZipFile(out).namelist()) == [".recordings/ship.wav", "pack.toml"]
    assert validate_pack(out).ok  # the receiver finds the audio
