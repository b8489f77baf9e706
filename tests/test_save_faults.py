"""A take is never lost: saving a recording on a full or read-only disk (issue 13, case 1)."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fault_helpers import files_in, fill, full_disk, read_only

from tutor import atomic
from tutor.atomic import SaveError, describe_write_error
from tutor.recording import RECORD_RATE, save_recording, write_recording


def tone(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * RECORD_RATE)) / RECORD_RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_full_disk_leaves_no_file_and_says_so(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        fill(disk)
        with pytest.raises(SaveError, match="disk is full"):
            save_recording(tone(2.0), RECORD_RATE, disk / "recordings", "th-1")
        assert files_in(disk) == []  # no 0-byte, partial or temporary file


def test_full_disk_keeps_the_previous_file_whole(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk", size="128k") as disk:
        first = write_recording(tone(0.5), RECORD_RATE, disk / "ref.wav")
        before = first.read_bytes()
        with pytest.raises(SaveError, match="disk is full"):
            write_recording(tone(5.0), RECORD_RATE, first)  # 160 kB: does not fit
        assert first.read_bytes() == before
        assert files_in(disk) == ["ref.wav"]


def test_a_writer_that_raises_runtime_error_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """soundfile reports a full disk as LibsndfileError (a RuntimeError), not OSError."""

    def broken(*args, **kwargs):
        raise sf.LibsndfileError(2, "Error writing: ")

    monkeypatch.setattr("tutor.recording.sf.write", broken)
    with pytest.raises(SaveError, match="could not be saved"):
        save_recording(tone(), RECORD_RATE, tmp_path / "recordings")
    assert files_in(tmp_path) == []


def test_a_write_that_fails_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open

    class HalfFile:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def fake_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return HalfFile(fh) if "w" in mode else fh

    monkeypatch.setattr(atomic, "open", fake_open, raising=False)
    with pytest.raises(SaveError, match="disk is full"):
        save_recording(tone(), RECORD_RATE, tmp_path / "recordings")
    assert files_in(tmp_path) == []


def test_read_only_folder(tmp_path: Path) -> None:
    with read_only(tmp_path / "recordings") as folder:
        with pytest.raises(SaveError) as caught:
            save_recording(tone(), RECORD_RATE, folder)
        assert "read-only" in str(caught.value) or "may not write" in str(caught.value)
        assert files_in(folder) == []


def test_plain_messages_for_errno() -> None:
    long_name = OSError(errno.ENAMETOOLONG, "File name too long")
    assert "[Errno" not in describe_write_error(long_name)
    assert "file name is too long" in describe_write_error(long_name)
    assert "disk is full" in describe_write_error(OSError(errno.ENOSPC, "No space"))


def test_file_name_too_long_is_plain(tmp_path: Path) -> None:
    with pytest.raises(SaveError) as caught:
        write_recording(tone(), RECORD_RATE, tmp_path / ("x" * 300 + ".wav"))
    assert "file name is too long" in str(caught.value) and "Errno" not in str(caught.value)


KILLED = """
import sys, time
sys.path.insert(0, {root!r})
import numpy as np
from tutor import recording
real = recording.atomic.write_bytes

def slow(path, data):
    def write(tmp):
        with open(tmp, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            print("half", flush=True)
            time.sleep(60)
    return recording.atomic.write_with(path, write)

recording.atomic.write_bytes = slow
recording.save_recording(np.zeros(16000, np.float32), 16000, recording.Path({folder!r}))
"""


def test_killed_while_saving_leaves_no_partial_take(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    folder = tmp_path / "recordings"
    code = KILLED.format(root=str(Path(__file__).resolve().parent.parent), folder=str(folder))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "half\n", (
            proc.stderr.read() if proc.stderr else ""
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    names = files_in(folder)
    assert len(names) == 1 and names[0].startswith(atomic.TEMP_PREFIX)  # never a .wav take
    assert atomic.remove_leftovers(folder) == 1  # what the app does at start
    assert files_in(folder) == []
