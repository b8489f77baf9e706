"""Settings live under the data folder (TUTOR_HOME); notation and last item are per learner
(pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from ui_fakes import FakeScorer, fake_window

from tutor.recording import FakeBackend
from tutor.ui.settings import SETTINGS_FILE, Settings


def ini(path: Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_settings_move_into_the_data_folder_once(tmp_path: Path) -> None:
    old = ini(tmp_path / "old.conf")
    old.setValue("ui/theme", "dark")
    old.setValue("ui/notation", "ipa")
    old.sync()
    data = tmp_path / "home"
    data.mkdir()
    settings = Settings.open(data, legacy=old)
    assert (data / SETTINGS_FILE).is_file()
    assert settings.theme == "dark" and settings.notation == "ipa"  # carried over
    settings.theme = "light"
    settings.sync()
    old.setValue("ui/theme", "dark")
    again = Settings.open(data, legacy=old)  # copied once only: later changes are kept
    assert again.theme == "light"


def test_notation_and_last_item_are_each_learners_own(tmp_path: Path) -> None:
    settings = Settings(ini(tmp_path / "s.ini"))
    settings.notation, settings.last_item = "ipa", "starter-vowels/ih-1"
    settings.learner = "Ana"
    assert settings.notation == "arpabet" and settings.last_item == ""
    settings.notation, settings.last_item = "arpabet", "starter-consonants/th-2"
    settings.learner = "Ben Müller"  # any name
    settings.notation = "ipa"
    settings.learner = ""  # back to the default learner
    assert settings.notation == "ipa" and settings.last_item == "starter-vowels/ih-1"
    settings.learner = "Ana"
    assert settings.notation == "arpabet" and settings.last_item == "starter-consonants/th-2"
    settings.theme = "dark"  # the screen's theme is the computer's, shared
    settings.learner = "Ben Müller"
    assert settings.theme == "dark" and settings.notation == "ipa"


def test_switching_learner_returns_to_where_they_left_off(qtbot, tmp_path: Path) -> None:
    settings = Settings(ini(tmp_path / "s.ini"))
    window = fake_window(qtbot, tmp_path, settings=settings, start=False)
    window.select_item(2)
    window.switch_learner("Ana")
    assert window.current_index() == 2  # nothing of Ana's yet: stays put
    window.select_item(4)
    window.switch_learner("default")
    assert window.current_index() == 2 and window.progress.learner == "default"
    window.switch_learner("Ana")
    assert window.current_index() == 4


def test_the_app_keeps_its_settings_under_tutor_home(tmp_path: Path, qtbot) -> None:
    from tutor.ui.app import build_window

    data = tmp_path / "home"
    window = build_window(backend=FakeBackend(), scorer_factory=FakeScorer, data_dir=data)
    qtbot.addWidget(window)
    window.settings.notation = "ipa"
    window.settings.sync()
    assert (data / SETTINGS_FILE).is_file()
    assert "ipa" in (data / SETTINGS_FILE).read_text(encoding="utf-8")
