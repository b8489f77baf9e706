"""Slow playback and "my take, then the model" in the window (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt
from ui_fakes import espeak_wav, fake_window

from tutor.recording import RECORD_RATE, FakeBackend
from tutor.ui.main_window import MainWindow
from tutor.ui.workers import ScoringService
from tutor.voice import SLOW_SPEED, Speech, VoiceError
from tutor.voice.compare import GAP_S

TEXT = "Think about it."
MODEL_RATE = 22050


class FakeVoice:
    """Says anything as a tone: 0.5 s, or 0.5 s / SLOW_SPEED when slow."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, Path | None, bool]] = []
        self.fail = fail

    def __call__(self, text: str, recording: Path | None = None, *, slow: bool = False) -> Speech:
        self.calls.append((text, recording, slow))
        if self.fail:
            raise VoiceError("No reference voice is installed.")
        n = int(MODEL_RATE * 0.5 / (SLOW_SPEED if slow else 1.0))
        tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(n) / MODEL_RATE)
        return Speech(tone.astype(np.float32), MODEL_RATE, "fake")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak_wav(tmp_path_factory.mktemp("speech"), TEXT)


def make_window(qtbot, tmp_path: Path, backend: FakeBackend, voice: FakeVoice) -> MainWindow:
    window = fake_window(qtbot, tmp_path, backend=backend, start=False)
    window.playback.model_voice = voice
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.start()
    qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window


def played_after(qtbot, backend: FakeBackend, count: int) -> tuple[np.ndarray, int]:
    qtbot.waitUntil(lambda: len(backend.played) > count, timeout=10000)
    return backend.played[-1]


def test_the_model_plays_slowly_with_shift(qtbot, tmp_path: Path) -> None:
    backend, voice = FakeBackend(), FakeVoice()
    window = make_window(qtbot, tmp_path, backend, voice)
    qtbot.keyClick(window, Qt.Key.Key_F)
    clip, rate = played_after(qtbot, backend, 0)
    assert voice.calls[-1] == (TEXT, None, False) and rate == MODEL_RATE
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    slow, _ = played_after(qtbot, backend, 1)
    assert voice.calls[-1][2] is True and len(slow) > len(clip)
    window.record_bar.slow.setChecked(True)  # the toggle makes plain F slow too
    qtbot.keyClick(window, Qt.Key.Key_F)
    played_after(qtbot, backend, 2)
    assert voice.calls[-1][2] is True


def test_my_take_slowed_keeps_its_sound(qtbot, tmp_path: Path, speech: Path) -> None:
    backend, voice = FakeBackend(), FakeVoice()
    window = make_window(qtbot, tmp_path, backend, voice)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    take = window.take
    assert take is not None
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    clip, rate = played_after(qtbot, backend, 0)
    assert rate == take.rate
    assert len(clip) == pytest.approx(len(take.samples) / SLOW_SPEED, rel=0.02)
    # the same loudness, not silence or clipping
    assert np.sqrt(np.mean(clip**2)) == pytest.approx(np.sqrt(np.mean(take.samples**2)), rel=0.3)
    qtbot.keyClick(window, Qt.Key.Key_R)
    clip, _ = played_after(qtbot, backend, 1)
    assert len(clip) == len(take.samples)
    word = take.result.words[1] if take.result else None
    assert word is not None
    window.playback.play_segment(take, word.start, word.end)  # a tier or advice ▶ click
    plain, _ = played_after(qtbot, backend, 2)
    window.record_bar.slow.setChecked(True)
    window.playback.play_segment(take, word.start, word.end)
    slowed, _ = played_after(qtbot, backend, 3)
    assert len(slowed) == pytest.approx(len(plain) / SLOW_SPEED, rel=0.05)


def test_a_clicked_word_plays_my_take_then_the_model(qtbot, tmp_path: Path, speech: Path) -> None:
    backend, voice = FakeBackend(), FakeVoice()
    window = make_window(qtbot, tmp_path, backend, voice)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    assert window.take is not None and window.take.result is not None
    word = window.take.result.words[0]
    window.prompt.wordClicked.emit(0)
    clip, rate = played_after(qtbot, backend, 0)
    assert voice.calls[-1][0] == word.text and rate == RECORD_RATE
    mine = (word.end - word.start + 0.1) * rate
    assert len(clip) == pytest.approx(mine + GAP_S * rate + 0.5 * rate, abs=0.02 * rate)
    gap = clip[int(mine) + 10 : int(mine + GAP_S * rate) - 10]
    assert np.all(gap == 0)  # the pause between the two
    assert np.abs(clip[-int(0.4 * rate) :]).max() > 0.1  # the model's tone at the end


def test_without_a_voice_the_word_plays_alone_and_says_why(
    qtbot, tmp_path: Path, speech: Path
) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, backend, FakeVoice(fail=True))
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    assert window.take is not None and window.take.result is not None
    word = window.take.result.words[1]
    window.prompt.wordClicked.emit(1)
    clip, rate = played_after(qtbot, backend, 0)
    assert len(clip) == pytest.approx((word.end - word.start + 0.06) * rate, abs=2)
    assert "No reference voice" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    qtbot.keyClick(window, Qt.Key.Key_F)  # the model alone: nothing to play, the reason shown
    qtbot.waitUntil(lambda: "No reference voice" in window.statusBar().currentMessage())
    assert len(backend.played) == 1
