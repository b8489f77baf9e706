"""Help › About (model version, card, licences), plain status messages, and the welcome shown
once per learner (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from ui_fakes import FakeScorer, fake_window

from tutor.ui.help_dialogs import open_about, show_welcome
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.workers import ScoringService


def make_window(qtbot, tmp_path: Path, settings: Settings | None = None) -> MainWindow:
    window = fake_window(qtbot, tmp_path, settings=settings)
    qtbot.waitUntil(lambda: window.service.state == ScoringService.READY, timeout=5000)
    return window


def test_about_has_the_model_version_card_and_licences(qtbot, tmp_path: Path) -> None:
    window = make_window(qtbot, tmp_path)
    status = window.model_status.text()
    assert "Ready" in status and FakeScorer.version not in status  # no internal strings
    assert window.about_action.shortcut().toString() == "F1"
    dialog = open_about(window)
    text = dialog.text.toPlainText()
    assert FakeScorer.version in text  # the version lives here instead
    assert "Model card" in text and "acoustic.onnx" in text  # the card's opening lines
    assert "Data and credit" not in text  # up to its first section only
    for needed in ("MIT", "speechocean762", "CC BY 4.0", "CC0", "lessac", "research use only"):
        assert needed in text, needed
    dialog.close()


def test_the_welcome_shows_once_per_learner(qtbot, tmp_path: Path) -> None:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = make_window(qtbot, tmp_path, settings)
    learner = window.progress.learner
    first = show_welcome(window)
    assert first is not None
    text = first.text.text()
    assert learner in text and "Test the microphone" in text
    assert "Starter: tricky consonants" in text  # where to start: the first pack
    assert first.test_mic.text().startswith("Test the microphone")
    first.accept()
    assert show_welcome(window) is None  # once for this learner
    window.switch_learner("Ana")
    again = show_welcome(window)
    assert again is not None and "practising as <b>Ana</b>" in again.text.text()
    again.accept()
    assert show_welcome(window) is None
    window.close()

    settings.sync()  # a new start of the app, same settings: not shown again
    reopened = make_window(qtbot, tmp_path / "two", settings)
    reopened.switch_learner("Ana")
    assert show_welcome(reopened) is None
    forced = show_welcome(reopened, force=True)  # Help › Welcome…
    assert forced is not None
    forced.accept()
