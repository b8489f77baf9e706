"""Settings › Model voice: the voices listed (default marked, unusable ones disabled with the
reason), the choice saved per computer, the model played with it, and a chosen voice that
is gone giving way to the default with a plain message (pytest-qt, offscreen; fake voices)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication
from ui_fakes import fake_window

from tutor.recording import FakeBackend
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.settings_dialog import SettingsDialog
from tutor.ui.window_dialogs import open_settings
from tutor.voice import Speech, VoiceError, VoiceInfo, default_voice, speak
from tutor.voice import voices as catalogue

RATE = 16000


@dataclass(frozen=True)
class FakeVoiceInfo(VoiceInfo):
    """A voice that says anything as 0.3 s of silence, or cannot speak (``missing``)."""

    missing: str = ""
    spoken: list[str] = field(default_factory=list, compare=False, hash=False)

    def problem(self) -> str:
        return self.missing

    def speak(self, text: str, slow: bool = False) -> Speech:
        if self.missing:
            raise VoiceError(f"The voice {self.name!r} cannot speak: {self.missing}.")
        self.spoken.append(self.name)
        return Speech(np.zeros(int(0.3 * RATE), np.float32), RATE, self.name)


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """joe and amy can speak, espeak-ng is not installed; who spoke, in order."""
    log: list[str] = []
    fakes = [
        FakeVoiceInfo("joe", "piper", "US English man", "research-only ancestry", spoken=log),
        FakeVoiceInfo("amy", "piper", "Piper voice from a folder", "own card", spoken=log),
        FakeVoiceInfo(
            "espeak-ng", "espeak", "formant", "GPL", missing="espeak-ng is not installed"
        ),
    ]
    monkeypatch.setattr(catalogue, "list_voices", lambda: list(fakes))
    monkeypatch.delenv("TUTOR_VOICE", raising=False)
    return log


def make_settings(tmp_path: Path, voice: str = "") -> Settings:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    settings.model_voice = voice
    return settings


def make_window(qtbot, tmp_path: Path, settings: Settings, backend: FakeBackend) -> MainWindow:
    return fake_window(qtbot, tmp_path, backend=backend, settings=settings, active=True)


def labels(dialog: SettingsDialog) -> list[str]:
    return [dialog.voice.combo.itemText(i) for i in range(dialog.voice.combo.count())]


def test_the_voices_are_listed_and_the_choice_is_saved(qtbot, tmp_path, spoken) -> None:
    settings = make_settings(tmp_path)
    dialog = SettingsDialog(settings, FakeBackend())
    qtbot.addWidget(dialog)
    combo = dialog.voice.combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["joe", "amy", "espeak-ng"]
    joe, amy, espeak = labels(dialog)
    assert "(default)" in joe and "(default)" not in amy + espeak
    assert "unavailable: espeak-ng is not installed" in espeak
    assert [dialog.voice.usable(i) for i in range(3)] == [True, True, False]
    assert combo.currentData() == "joe" and "research-only" in dialog.voice.about.text()
    assert "research-only" in combo.itemData(0, Qt.ItemDataRole.ToolTipRole)

    dialog.apply()  # left as it was: nothing stored
    assert settings.q.value("audio/model_voice") == ""
    combo.setCurrentIndex(1)
    assert "own card" in dialog.voice.about.text()
    dialog.apply()
    assert settings.model_voice == "amy"

    again = SettingsDialog(settings, FakeBackend())
    qtbot.addWidget(again)
    assert again.voice.combo.currentData() == "amy"
    again.voice.combo.setCurrentIndex(0)  # back to the default: follow the default chain
    again.apply()
    assert settings.model_voice == ""


def test_the_voice_is_reachable_by_keyboard(qtbot, tmp_path, spoken) -> None:
    dialog = SettingsDialog(make_settings(tmp_path), FakeBackend())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.notation.setFocus()
    qtbot.keyClick(dialog.notation, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.voice.combo
    qtbot.keyClick(dialog.voice.combo, Qt.Key.Key_Down)
    assert dialog.voice.combo.currentData() == "amy"
    qtbot.keyClick(dialog.voice.combo, Qt.Key.Key_Down)  # espeak-ng is disabled: skipped
    assert dialog.voice.combo.currentData() == "amy"


def test_the_model_plays_with_the_chosen_voice(qtbot, tmp_path, spoken) -> None:
    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, make_settings(tmp_path, "amy"), backend)
    qtbot.keyClick(window, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: len(backend.played) == 1, timeout=10000)
    assert spoken == ["amy"]

    def choose_joe() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        dialog.voice.combo.setCurrentIndex(dialog.voice.combo.findData("joe"))
        dialog.accept()

    QTimer.singleShot(0, choose_joe)
    open_settings(window)  # the dialog the menu opens, accepted with joe chosen
    assert window.settings.model_voice == ""  # joe is the default
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: len(backend.played) == 2, timeout=10000)
    assert spoken == ["amy", "joe"]


def test_a_chosen_voice_that_is_gone_gives_way_with_a_message(qtbot, tmp_path, spoken) -> None:
    settings = make_settings(tmp_path, "maya")  # a voice package removed since
    dialog = SettingsDialog(settings, FakeBackend())
    qtbot.addWidget(dialog)
    assert dialog.voice.combo.currentData() == "joe"
    assert "“maya” is no longer installed: joe speaks instead" in dialog.voice.about.text()
    dialog.apply()
    assert settings.model_voice == "maya"  # untouched unless the combo is changed

    backend = FakeBackend()
    window = make_window(qtbot, tmp_path, settings, backend)
    qtbot.keyClick(window, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: len(backend.played) == 1, timeout=10000)
    assert spoken == ["joe"]
    message = window.statusBar().currentMessage()
    assert "'maya' is not installed here; the voice joe spoke instead" in message
    assert "Traceback" not in message


def test_an_unusable_chosen_voice_gives_way_too(qtbot, tmp_path, spoken) -> None:
    dialog = SettingsDialog(make_settings(tmp_path, "espeak-ng"), FakeBackend())
    qtbot.addWidget(dialog)
    assert dialog.voice.combo.currentData() == "joe"
    assert "“espeak-ng” cannot speak here: joe speaks instead" in dialog.voice.about.text()
    speech = speak("ship", prefer="espeak-ng")
    assert speech.voice == "joe" and "espeak-ng is not installed" in speech.note


def test_tutor_voice_sets_the_default_and_the_setting_wins(spoken, monkeypatch) -> None:
    monkeypatch.setenv("TUTOR_VOICE", "amy")
    voice = default_voice()
    assert voice is not None and voice.name == "amy"
    assert speak("ship").voice == "amy" and speak("ship", prefer="joe").voice == "joe"
    monkeypatch.setenv("TUTOR_VOICE", "nobody")
    speech = speak("ship")
    assert speech.voice == "joe" and "'nobody' is not installed" in speech.note
    monkeypatch.setenv("TUTOR_VOICE", "espeak-ng")  # not usable here: the chain goes on
    voice = default_voice()
    assert voice is not None and voice.name == "joe"
