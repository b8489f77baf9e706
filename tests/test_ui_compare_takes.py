"""Compare takes: an older attempt from the history is drawn with its audio, tiers and scores;
without its recording, its scores and a note (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import soundfile as sf
from ui_fakes import FakeScorer, espeak_wav, fake_window

from tutor.recording import FakeBackend
from tutor.ui.main_window import MainWindow

TEXT = "Think about it."


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak_wav(tmp_path_factory.mktemp("speech"), TEXT)


def make_window(qtbot, tmp_path: Path, backend: FakeBackend) -> MainWindow:
    return fake_window(qtbot, tmp_path, backend=backend, scorer_factory=lambda: FakeScorer(bad={}))


def two_takes(qtbot, window: MainWindow, speech: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A short first take and a longer second one, each from its own file."""
    samples, rate = sf.read(str(speech), dtype="float32")
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    shutil.copy(speech, first)
    sf.write(str(second), np.concatenate([samples, np.zeros(rate, np.float32)]), rate)
    for path in (first, second):
        with qtbot.waitSignal(window.takeShown, timeout=5000):
            window.open_audio_file(path)
    return first, second


def choose(qtbot, window: MainWindow, index: int) -> None:
    """Activate the history row of attempt ``index`` (oldest first), as Enter would."""
    rows = window.feedback.history
    row = next(rows.item(r) for r in range(rows.count()) if rows.item(r).data(256) == index)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        rows.itemActivated.emit(row)


def test_an_older_attempt_comes_back_with_its_audio_and_scores(
    qtbot, tmp_path: Path, speech: Path
) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, backend)
    first, second = two_takes(qtbot, window, speech, tmp_path)
    assert window.item is not None
    attempts = window.progress.attempts(*window.item.key)
    assert len(attempts) == 2 and window.take_path == second
    newest = window.take
    assert newest is not None

    choose(qtbot, window, 0)
    take = window.take
    assert take is not None and window.take_path == first
    assert len(take.samples) == sf.info(str(first)).frames < len(newest.samples)
    assert take.result == attempts[0].result  # the stored scores, not a new scoring
    assert take.spectrogram is not None  # the tiers and spectrogram are drawn from it
    assert "attempt #1" in window.record_bar.message.text()
    window.playback.play_take(take)
    assert len(backend.played[-1][0]) == len(take.samples)  # R replays that attempt

    choose(qtbot, window, 1)
    assert window.take_path == second and window.take is not None
    assert len(window.take.samples) == len(newest.samples)


def test_an_attempt_whose_recording_is_gone_still_shows_its_scores(
    qtbot, tmp_path: Path, speech: Path
) -> None:
    window = make_window(qtbot, tmp_path, FakeBackend())
    first, _ = two_takes(qtbot, window, speech, tmp_path)
    first.unlink()
    window.select_item(window.current_index())  # the item afresh: no take, no scores drawn
    assert window.feedback.tiles["total"].accessibleDescription() == "no score yet"
    choose(qtbot, window, 0)
    message = window.record_bar.message.text()
    assert "no longer there" in message and "scores are shown" in message
    assert window.take is None and not window.record_bar.play_mine.isEnabled()
    total = window.progress.attempts(*window.item.key)[0].total
    assert window.feedback.tiles["total"].accessibleDescription() == f"{total:.1f} out of 10"


def test_a_file_opened_by_a_relative_path_comes_back_too(
    qtbot, tmp_path: Path, speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "takes"
    folder.mkdir()
    shutil.copy(speech, folder / "mine.wav")
    monkeypatch.chdir(folder)  # `tutor --open mine.wav` from this folder
    window = make_window(qtbot, tmp_path, FakeBackend())
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file("mine.wav")
    assert window.item is not None
    (attempt,) = window.progress.attempts(*window.item.key)
    assert Path(attempt.audio_path or "") == folder / "mine.wav"
    window.take = None
    choose(qtbot, window, 0)
    assert window.take is not None and window.take_path == folder / "mine.wav"
