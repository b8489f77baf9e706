"""The in-app lesson editor: add, reorder, preview phones, validate, record, export."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from tutor.lessons import ItemType, load_pack, validate_pack
from tutor.recording import FakeBackend
from tutor.ui.lesson_editor import LessonEditorDialog, parse_pronunciations_field


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda _p, title, text: shown.append(f"{title}: {text}")),
    )
    return shown


def type_item(dialog: LessonEditorDialog, text: str, focus: str = "", pron: str = "") -> None:
    dialog.text_edit.setText(text)
    dialog.text_edit.textEdited.emit(text)
    dialog.item_focus_edit.setText(focus)
    dialog.item_focus_edit.textEdited.emit(focus)
    dialog.pron_edit.setText(pron)
    dialog.pron_edit.textEdited.emit(pron)


def fill_meta(dialog: LessonEditorDialog) -> None:
    for edit, value in ((dialog.title_edit, "Class 3 vowels"), (dialog.id_edit, "class-3")):
        edit.setText(value)


def test_author_a_pack_and_export(qtbot, tmp_path: Path, warnings_shown: list[str]) -> None:
    folder = tmp_path / "class-3"
    dialog = LessonEditorDialog(folder=folder, backend=FakeBackend())
    qtbot.addWidget(dialog)
    fill_meta(dialog)
    type_item(dialog, "ship, sheep", "IH IY")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(ItemType.MINIMAL_PAIR.value))
    dialog.add_item()
    type_item(dialog, "Please record it.", "AO", "record = R IH0 K AO1 R D")
    qtbot.waitUntil(lambda: "R IH0 K AO1 R D" in dialog.phones_label.text(), timeout=15000)
    assert "your pronunciation" in dialog.phones_label.text()  # the preview is debounced
    dialog.add_item()
    type_item(dialog, "Big fish", "IH")

    dialog.move_item(-1)  # "Big fish" before "Please record it."
    assert [i.text for i in dialog.items] == ["ship, sheep", "Big fish", "Please record it."]
    assert dialog.item_list.item(1).text().startswith("Big fish")

    assert [i for i in dialog.validate() if i.is_error] == []
    out = dialog.export(tmp_path / "usb" / "class3")
    assert out == tmp_path / "usb" / "class3.tutorpack" and warnings_shown == []
    assert zipfile.ZipFile(out).namelist() == ["pack.toml"]
    report = validate_pack(out)
    assert report.ok and report.pack is not None
    assert [i.text for i in report.pack.items] == ["ship, sheep", "Big fish", "Please record it."]
    assert report.pack.items[0].type is ItemType.MINIMAL_PAIR
    assert report.pack.items[2].pronunciations == {"record": ("R IH0 K AO1 R D",)}


def test_errors_block_saving_and_are_listed(
    qtbot, tmp_path: Path, warnings_shown: list[str]
) -> None:
    dialog = LessonEditorDialog(folder=tmp_path / "p")
    qtbot.addWidget(dialog)
    fill_meta(dialog)
    type_item(dialog, "think", "QQ")
    assert not dialog.save()
    assert warnings_shown and not (tmp_path / "p" / "pack.toml").exists()
    shown = [dialog.issue_list.item(i).text() for i in range(dialog.issue_list.count())]
    assert any("items[1].focus" in s and "'QQ'" in s for s in shown)
    type_item(dialog, "think", "TH", "think TH IH1 NG K")
    assert "word = PHONES" in dialog.pron_edit.toolTip()
    type_item(dialog, "think", "TH")
    assert dialog.save()
    assert load_pack(tmp_path / "p").items[0].focus_phones == ("TH",)


def test_record_reference_audio(qtbot, tmp_path: Path, warnings_shown: list[str]) -> None:
    backend = FakeBackend()
    dialog = LessonEditorDialog(folder=tmp_path / "p", backend=backend)
    qtbot.addWidget(dialog)
    fill_meta(dialog)
    type_item(dialog, "three", "TH")
    dialog.record_button.setChecked(True)
    t = np.arange(16000) / 16000
    backend.stream.feed((0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32))
    dialog.record_button.setChecked(False)
    assert dialog.items[0].audio == "audio/item.wav" and warnings_shown == []
    assert dialog.save()
    pack = load_pack(tmp_path / "p")
    assert pack.items[0].reference_audio == tmp_path / "p" / "audio" / "item.wav"
    assert validate_pack(tmp_path / "p").ok


def test_open_existing_pack_round_trips(qtbot, tmp_path: Path) -> None:
    from tutor.paths import builtin_lessons_dir

    source = builtin_lessons_dir() / "word-stress"
    dialog = LessonEditorDialog(folder=source)
    qtbot.addWidget(dialog)
    original = load_pack(source)
    assert dialog.pack().items == original.items and dialog.pack().title == original.title


def test_pronunciation_field_parser() -> None:
    assert parse_pronunciations_field("record = R EH1 K ER0 D; read = R EH1 D | R IY1 D") == {
        "record": ("R EH1 K ER0 D",),
        "read": ("R EH1 D", "R IY1 D"),
    }
    with pytest.raises(ValueError, match="word = PHONES"):
        parse_pronunciations_field("just phones")


COMMENTED = """\
# Year 7, spring term. Ask Ms Li before changing the order.
format = 1

[pack]
id = "y7"
title = "Year 7"   # what the class sees
level = "beginner"
accent = "en-US"

# the warm-up
[[items]]
id = "three"
type = "word"
text = "three"
focus = ["TH"]   # the sound of the week

[[items]]
id = "think"
type = "word"
text = "think"
tip = "Tongue out."
"""


def test_comments_survive_a_round_trip_through_the_editor(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "y7"
    folder.mkdir()
    (folder / "pack.toml").write_text(COMMENTED, encoding="utf-8")
    dialog = LessonEditorDialog(folder=folder)
    qtbot.addWidget(dialog)
    assert dialog.save()  # nothing changed: the file is exactly as the teacher wrote it
    assert (folder / "pack.toml").read_text(encoding="utf-8") == COMMENTED
    dialog.item_list.setCurrentRow(1)
    type_item(dialog, "think", "TH")  # the second item gets a focus phone
    dialog.add_item("Three things.")
    assert dialog.save()
    text = (folder / "pack.toml").read_text(encoding="utf-8")
    for comment in (
        "# Year 7, spring term. Ask Ms Li before changing the order.",
        'title = "Year 7"   # what the class sees',
        "# the warm-up",
        'focus = ["TH"]   # the sound of the week',
    ):
        assert comment in text
    pack = load_pack(folder)
    assert [i.id for i in pack.items] == ["three", "think", "three-things"]
    assert pack.items[1].focus_phones == ("TH",) and pack.items[1].tip == "Tongue out."


def test_validation_names_the_line_of_the_file_it_would_save(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "y7"
    folder.mkdir()
    (folder / "pack.toml").write_text(COMMENTED, encoding="utf-8")
    dialog = LessonEditorDialog(folder=folder)
    qtbot.addWidget(dialog)
    type_item(dialog, "three", "QQ")  # item 1's focus, now a phone that does not exist
    issues = [i for i in dialog.validate() if i.field == "items[1].focus"]
    lines = dialog.manifest().splitlines()
    assert issues and issues[0].line is not None
    assert lines[issues[0].line - 1].startswith("focus = ")
    assert f"line {issues[0].line}, items[1].focus" in dialog.issue_list.item(0).text()


def test_the_phone_preview_is_looked_up_off_the_gui_thread(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from tutor.ui import lesson_editor

    threads: list[threading.Thread] = []

    def slow_preview(item) -> str:
        threads.append(threading.current_thread())
        return f"<b>{item.text}</b> looked up"

    monkeypatch.setattr(lesson_editor, "phones_preview", slow_preview)
    dialog = LessonEditorDialog(folder=tmp_path / "p")
    qtbot.addWidget(dialog)
    type_item(dialog, "think")
    qtbot.waitUntil(lambda: "think</b> looked up" in dialog.phones_label.text(), timeout=15000)
    assert threads and all(t is not threading.main_thread() for t in threads)
