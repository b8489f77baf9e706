"""The main window with a fake microphone and a fake scorer (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDropEvent, QPalette
from ui_fakes import FakeScorer, espeak_wav, starter_library

from tutor.core import Progress
from tutor.feedback.bands import phone_colour, ten_colour
from tutor.recording import RECORD_RATE, FakeBackend
from tutor.scoring.errors import AudioError, ModelError
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.views import axis_width
from tutor.ui.workers import ScoringService

TEXT = "Think about it."


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak_wav(tmp_path_factory.mktemp("speech"), TEXT)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_window(
    qtbot, tmp_path: Path, settings: Settings, backend=None, factory=None, wait_ready: bool = True
) -> MainWindow:
    window = MainWindow(
        backend=backend or FakeBackend(),
        library=starter_library(),
        settings=settings,
        data_dir=tmp_path / "data",
        scorer_factory=factory or FakeScorer,
        progress=Progress(),
    )
    qtbot.addWidget(window)
    window.apply_theme()
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.start()
    if wait_ready:
        qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window


def speak_into(window: MainWindow, backend: FakeBackend, speech: Path, qtbot) -> None:
    """Press Space, 'say' the speech file, and let the trailing silence stop the take."""
    samples, rate = sf.read(str(speech), dtype="float32")
    assert rate == RECORD_RATE
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.recorder.recording
    backend.stream.feed(samples)
    backend.stream.feed(np.zeros(int(1.5 * RECORD_RATE), np.float32))


def test_record_score_render_flow(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend)
    assert window.item is not None and window.item.text == TEXT
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        speak_into(window, backend, speech, qtbot)  # the poll timer stops on the silence
    assert not window.recorder.recording
    result = window.take.result
    assert result is not None and result.text == TEXT
    # saved before scoring, in the learner's data folder
    saved = list((tmp_path / "data" / "recordings").glob("*.wav"))
    assert len(saved) == 1 and window.take_path == saved[0]
    # rendered: prompt words, tiers, scores, advice, history
    assert [c.accessibleName() for c in window.prompt.chips] == ["Think", "about", "it"]
    assert len(window.analysis.phones.items) == len(result.phones) == 10
    assert len(window.analysis.words.items) == 3
    assert f"{result.total:.1f}" in window.feedback.tiles["total"].value.text()
    assert "TH" in window.feedback.advice_rows[0].head.text()
    assert "you said S" in window.feedback.advice_rows[0].head.text()
    assert "'think', not 'sink'" in window.feedback.advice_rows[0].tip.text()
    assert window.progress.attempts(*window.item.key)[0].total == result.total
    assert window.feedback.history.count() == 1
    assert window.last_latency_ms is not None and window.last_latency_ms >= 0  # no speed assert
    status = window.model_status.text() + window.statusBar().currentMessage()
    assert "Feedback in" not in status and "fake-1" not in status  # no internal strings


def test_colours_match_scores(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    window = make_window(qtbot, tmp_path, settings)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    result = window.take.result
    for item, phone in zip(window.analysis.phones.items, result.phones, strict=True):
        assert item.brush().color().name() == QColor(phone_colour(phone.score)).name()
    reds = [i for i in window.analysis.phones.items if i.interval.label == "TH"]
    assert reds[0].brush().color().name() == "#d64545"
    for item, word in zip(window.analysis.words.items, result.words, strict=True):
        assert item.brush().color().name() == ten_colour(word.accuracy)
    for region, phone in zip(window.analysis.waveform.regions, result.phones, strict=True):
        assert region.brush.color().name() == phone_colour(phone.score)
    think = window.prompt.chips[0].text()
    assert ten_colour(result.words[0].accuracy) in think and phone_colour(0.2) in think
    assert "heard instead: <b>S</b>" in reds[0].toolTip()


def test_click_a_phone_to_hear_it(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    tier = window.analysis.phones
    target = tier.items[2].interval
    vb = tier.plotItem.vb
    qtbot.waitUntil(lambda: vb.sceneBoundingRect().left() == axis_width(tier), timeout=3000)
    qtbot.wait(20)
    centre = tier.plotItem.vb.mapViewToScene(QPointF((target.start + target.end) / 2, 0.5))
    pos = tier.mapFromScene(centre)
    with qtbot.waitSignal(tier.intervalClicked, timeout=2000) as blocker:
        qtbot.mouseClick(tier.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    assert blocker.args == [pytest.approx(target.start), pytest.approx(target.end)]
    clip, rate = backend.played[-1]
    assert rate == RECORD_RATE
    assert len(clip) == pytest.approx((target.end - target.start + 0.06) * rate, abs=2)


def test_keyboard_shortcuts(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend)
    first = window.item
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.current_index() == 1 and window.item is not first
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.item is first
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.item is first  # stays on the first item
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert backend.played == []  # nothing recorded yet
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.recorder.recording and window.record_bar.record.accessibleName() == "Stop"
    backend.stream.feed(sf.read(str(speech), dtype="float32")[0])
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.recorder.recording
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert len(backend.played) == 1 and len(backend.played[0][0]) == len(window.take.samples)
    for widget in (
        window.record_bar.record,
        window.record_bar.play_mine,
        window.record_bar.play_reference,
        window.lessons,
        window.analysis,
    ):
        assert widget.accessibleName()


def test_no_microphone_then_open_a_file(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    window = make_window(qtbot, tmp_path, settings, FakeBackend(devices=[]))
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.recorder.recording
    message = window.record_bar.message.text()
    assert "No microphone" in message and "Open audio file" in message
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    assert window.take.result is not None


def test_drop_a_flac_file(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    window = make_window(qtbot, tmp_path, settings)
    flac = tmp_path / "take.flac"
    sf.write(str(flac), *sf.read(str(speech)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(flac))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.dropEvent(event)
    assert window.take_path == flac and window.take.result is not None


def test_scoring_runs_off_the_gui_thread(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    scorer = FakeScorer(delay=0.4)
    window = make_window(qtbot, tmp_path, settings, factory=lambda: scorer)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.open_audio_file(speech)
    timer.stop()
    assert scorer.thread is not threading.main_thread()
    assert len(ticks) >= 8  # the event loop kept running while the scorer slept


def test_missing_model_keeps_the_app_usable(
    qtbot, tmp_path: Path, settings: Settings, speech
) -> None:
    def missing():
        raise ModelError("Scoring model not found: /nowhere/head.onnx. Reinstall tutor.")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend, factory=missing)
    assert window.service.state == ScoringService.UNAVAILABLE
    assert "Scoring model not found" in window.model_status.text()
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        speak_into(window, backend, speech, qtbot)
    assert window.take is not None and window.take.result is None
    assert len(list((tmp_path / "data" / "recordings").glob("*.wav"))) == 1
    assert window.analysis.waveform.isVisible() and window.analysis.phones.items == []


def test_recording_is_kept_when_scoring_fails(
    qtbot, tmp_path: Path, settings: Settings, speech
) -> None:
    class Failing(FakeScorer):
        def score(self, *args, **kwargs):
            raise AudioError("The recording is silent: check the microphone.")

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend, factory=Failing)
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        speak_into(window, backend, speech, qtbot)
    saved = list((tmp_path / "data" / "recordings").glob("*.wav"))
    assert len(saved) == 1
    assert (
        "silent" in window.record_bar.message.text()
        and saved[0].name in window.record_bar.message.text()
    )


def test_scoring_waits_for_the_model(qtbot, tmp_path: Path, settings: Settings, speech) -> None:
    gate = threading.Event()

    def slow():
        gate.wait(5)
        return FakeScorer()

    backend = FakeBackend()
    try:
        window = make_window(qtbot, tmp_path, settings, backend, factory=slow, wait_ready=False)
        assert "Loading" in window.model_status.text()
        speak_into(window, backend, speech, qtbot)
        qtbot.waitUntil(lambda: not window.recorder.recording, timeout=3000)
        assert "as soon as the model" in window.record_bar.message.text()
        with qtbot.waitSignal(window.takeShown, timeout=5000):
            gate.set()
        assert window.take.result is not None
    finally:
        gate.set()


def test_dark_theme_and_window_state_are_remembered(
    qtbot, tmp_path: Path, settings: Settings
) -> None:
    settings.theme = "dark"
    settings.notation = "ipa"
    window = make_window(qtbot, tmp_path, settings)
    assert window.palette().color(QPalette.ColorRole.Window).lightness() < 40
    qtbot.waitUntil(lambda: "θ" in window.prompt.chips[0].text(), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_N)
    window.close()
    assert settings.geometry() is not None and settings.window_state() is not None
    again = make_window(qtbot, tmp_path, settings)
    assert again.current_index() == 1 and again.settings.theme == "dark"
