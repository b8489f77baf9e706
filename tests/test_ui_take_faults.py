"""The window when a take cannot be saved: scored anyway, the learner told, "Save take as…"
offered (issue 13, cases 1 and 11)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import soundfile as sf
from fault_helpers import files_in, fill, full_disk
from PySide6.QtCore import QSettings, Qt
from ui_fakes import FakeScorer, espeak_wav, fake_window

from tutor import atomic
from tutor.recording import RECORD_RATE, FakeBackend
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.workers import ScoringService

TEXT = "Think about it."


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak_wav(tmp_path_factory.mktemp("speech"), TEXT)


def make_window(qtbot, tmp_path: Path, data_dir: Path, backend: FakeBackend) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    return fake_window(qtbot, tmp_path, backend=backend, settings=settings, data_dir=data_dir)


def speak(window: MainWindow, backend: FakeBackend, speech: Path, qtbot) -> None:
    samples, _ = sf.read(str(speech), dtype="float32")
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
        backend.stream.feed(samples)
        backend.stream.feed(np.zeros(int(1.5 * RECORD_RATE), np.float32))


def check_unsaved_then_save_as(window: MainWindow, tmp_path: Path) -> None:
    assert window.take is not None and window.take.result is not None  # scored anyway
    assert window.take_path is None
    message = window.record_bar.message.text()
    assert "could not be saved" in message and "Save take as" in message
    assert "Listening" not in message and "Saved to" not in message
    assert window.unsaved_take.isVisible()
    out = window.unsaved_take.save_as(tmp_path / "elsewhere" / "my take")
    assert out == tmp_path / "elsewhere" / "my take.wav"
    saved, rate = sf.read(str(out), dtype="float32")
    assert rate == RECORD_RATE and len(saved) == len(window.take.samples)
    assert not window.unsaved_take.isVisible()


def test_take_on_a_failing_disk_is_scored_and_can_be_saved_as(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, tmp_path / "data", backend)
    with monkeypatch.context() as patch:
        patch.setattr(atomic, "write_bytes", no_space)
        speak(window, backend, speech, qtbot)
    assert "disk is full" in window.record_bar.message.text()
    recordings = tmp_path / "data" / "recordings"
    assert not recordings.exists() or files_in(recordings) == []
    check_unsaved_then_save_as(window, tmp_path)


def test_take_on_a_soundfile_error_is_scored(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise sf.LibsndfileError(2, "Error: ")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, tmp_path / "data", backend)
    with monkeypatch.context() as patch:
        patch.setattr("tutor.recording.sf.write", broken)
        speak(window, backend, speech, qtbot)
        assert window.take is not None and window.take.result is not None
        assert "could not be saved" in window.record_bar.message.text()
    check_unsaved_then_save_as(window, tmp_path)


def test_take_on_a_real_full_disk(qtbot, tmp_path: Path, speech: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        (disk / "recordings").mkdir()
        fill(disk)
        backend = FakeBackend()
        window = make_window(qtbot, tmp_path, disk, backend)
        speak(window, backend, speech, qtbot)
        assert "disk is full" in window.record_bar.message.text()
        assert files_in(disk) == []  # no 0-byte WAV
        check_unsaved_then_save_as(window, tmp_path)
        window.close()


def test_opening_a_file_does_not_say_saved(qtbot, tmp_path: Path, speech: Path) -> None:
    window = make_window(qtbot, tmp_path, tmp_path / "data", FakeBackend())
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    assert "Saved to" not in window.record_bar.message.text()
    assert speech.name in window.record_bar.message.text()


# --- progress that is not saved is never shown as saved (issue 13, cases 2 and 8) --------


def window_on(qtbot, tmp_path: Path, data_dir: Path, backend: FakeBackend | None = None):
    from tutor.ui.app import build_window

    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window = build_window(settings, backend or FakeBackend(), FakeScorer, data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window


def test_data_folder_that_is_a_file_starts_with_a_clear_notice(
    qtbot, tmp_path: Path, speech: Path
) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    backend = FakeBackend()
    window = window_on(qtbot, tmp_path, home, backend)  # no traceback
    assert window.progress_notice.isVisible()
    assert "will not be saved" in window.progress_notice.text
    assert "Traceback" not in window.progress_notice.text
    speak(window, backend, speech, qtbot)
    assert window.take is not None and window.take.result is not None  # still scored
    assert window.unsaved_take.isVisible()  # and the take can be saved elsewhere
    assert "will not be saved" in window.progress_notice.text


def test_failed_attempt_save_is_shown(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.progress.store import ProgressError, ProgressStore

    backend = FakeBackend()
    window = window_on(qtbot, tmp_path, tmp_path / "data", backend)
    assert not window.progress_notice.isVisible()

    def fail(*args, **kwargs):
        raise ProgressError("Progress not saved: the disk is full")

    monkeypatch.setattr(ProgressStore, "record_attempt", fail)
    speak(window, backend, speech, qtbot)
    assert window.progress_notice.isVisible()
    assert "Progress not saved: the disk is full" in window.progress_notice.text
    monkeypatch.undo()
    speak(window, backend, speech, qtbot)
    assert not window.progress_notice.isVisible()  # saved again: the notice goes


def test_damaged_progress_offers_the_backup(qtbot, tmp_path: Path) -> None:
    from progress_helpers import make_result

    from tutor.progress.durability import ProgressKeeper

    data = tmp_path / "data"
    keeper = ProgressKeeper.open(data / "progress.sqlite3")
    assert keeper.store is not None
    keeper.store.record_attempt("default", "p", "i", make_result("think"))
    keeper.store.close()
    keeper.store = None
    keeper = ProgressKeeper.open(data / "progress.sqlite3")  # makes the day's backup
    keeper.close()
    with open(data / "progress.sqlite3", "r+b") as fh:
        fh.write(b"\xa5" * 16)
    window = window_on(qtbot, tmp_path, data)
    assert "damaged" in window.progress_notice.text
    assert window.progress_notice.restore.isVisible()
    assert window.progress_notice.restore_backup(confirm=False) == 0
    assert not window.progress_notice.isVisible()
    assert window.progress.store is not None
    assert len(window.progress.store.attempts("default")) == 1


def test_start_removes_a_take_left_half_written(qtbot, tmp_path: Path) -> None:
    recordings = tmp_path / "data" / "recordings"
    recordings.mkdir(parents=True)
    (recordings / f"{atomic.TEMP_PREFIX}abc.wav").write_bytes(b"RIFF")
    (recordings / "kept.wav").write_bytes(b"RIFF")
    window_on(qtbot, tmp_path, tmp_path / "data")
    assert files_in(recordings) == ["kept.wav"]


def test_every_unsaved_take_is_kept_not_only_the_last(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, tmp_path / "data", backend)
    with monkeypatch.context() as patch:
        patch.setattr(atomic, "write_bytes", no_space)
        speak(window, backend, speech, qtbot)
        speak(window, backend, speech, qtbot)
    speak(window, backend, speech, qtbot)  # the disk has room again: saved normally
    assert window.take_path is not None
    assert len(window.unsaved_take.takes) == 2 and window.unsaved_take.isVisible()
    assert window.unsaved_take.text() == "Save 2 takes as…"
    out = window.unsaved_take.save_as(tmp_path / "keep" / "take.wav")
    assert out == tmp_path / "keep" / "take.wav"
    assert sorted(p.name for p in (tmp_path / "keep").iterdir()) == ["take-1.wav", "take.wav"]
    assert not window.unsaved_take.pending


@pytest.mark.parametrize("answer", ["cancel", "save-cancelled", "save", "discard"])
def test_closing_with_unsaved_takes_asks_first(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    from tutor.ui import window_dialogs

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, tmp_path / "data", backend)
    with monkeypatch.context() as patch:
        patch.setattr(atomic, "write_bytes", no_space)
        speak(window, backend, speech, qtbot)
    asked: list[int] = []

    def question(w, count: int) -> str:
        asked.append(count)
        return answer.split("-")[0]

    monkeypatch.setattr(window_dialogs, "confirm_close_with_unsaved_takes", question)
    target = tmp_path / "keep" / "take.wav"
    real_save_as = window.unsaved_take.save_as
    if answer == "save":  # the learner picks a file in the chooser
        monkeypatch.setattr(window.unsaved_take, "save_as", lambda: real_save_as(target))
    if answer == "save-cancelled":  # the learner closes the file chooser
        monkeypatch.setattr(window.unsaved_take, "save_as", lambda: None)
    window.show()
    window.close()
    assert asked == [1]
    if answer == "discard":
        assert not window.isVisible()
    elif answer == "save":
        assert not window.isVisible() and target.is_file()
    else:  # nothing is lost: the window stays open with the take held
        assert window.isVisible() and window.unsaved_take.pending
