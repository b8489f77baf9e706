"""The lesson editor never deletes an accepted reference recording (issue 13, case 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from tutor.lessons import validate_pack
from tutor.lessons.reference_audio import install_reference_file
from tutor.recording import FakeBackend
from tutor.ui.lesson_editor import LessonEditorDialog


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda _p, title, text: shown.append(f"{title}: {text}")),
    )
    return shown


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


def test_a_rejected_retake_keeps_the_accepted_recording(
    qtbot, tmp_path: Path, warnings_shown: list[str]
) -> None:
    folder = tmp_path / "p"
    dialog = LessonEditorDialog(folder=folder, backend=FakeBackend())
    qtbot.addWidget(dialog)
    dialog.title_edit.setText("Class 3")
    dialog.id_edit.setText("class-3")
    dialog.text_edit.setText("three")
    dialog.text_edit.textEdited.emit("three")
    assert dialog.save_take(tone(1.0)) == "audio/item.wav"
    assert dialog.save()
    accepted = (folder / "audio" / "item.wav").read_bytes()

    assert dialog.save_take(tone(0.1)) is None  # too short: refused
    assert warnings_shown and "0.1 s" in warnings_shown[-1]
    assert "tutor-tmp" not in warnings_shown[-1]  # the temporary name is not shown
    assert (folder / "audio" / "item.wav").read_bytes() == accepted
    assert sorted(p.name for p in (folder / "audio").iterdir()) == ["item.wav"]
    assert dialog.items[0].audio == "audio/item.wav"
    assert validate_pack(folder).ok

    assert dialog.save_take(tone(2.0)) == "audio/item.wav"  # an accepted retake replaces it
    assert (folder / "audio" / "item.wav").read_bytes() != accepted


def test_a_bad_file_or_a_folder_never_replaces_the_reference(tmp_path: Path) -> None:
    import soundfile as sf

    folder = tmp_path / "p"
    (folder / "audio").mkdir(parents=True)
    sf.write(folder / "audio" / "a.wav", tone(1.0), 16000)
    before = (folder / "audio" / "a.wav").read_bytes()
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF" + bytes(100))
    relative, problem = install_reference_file(folder, "a", junk)
    assert relative is None and problem and "not a readable" in problem
    relative, problem = install_reference_file(folder, "a", tmp_path)
    assert relative is None and problem and "is a folder" in problem
    assert (folder / "audio" / "a.wav").read_bytes() == before
    assert sorted(p.name for p in (folder / "audio").iterdir()) == ["a.wav"]
