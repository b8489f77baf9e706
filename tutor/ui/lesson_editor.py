"""The lesson pack editor: for teachers who do not program.

Open a pack folder (or start a new one), add and reorder items, record reference audio,
preview the phones each item expects, validate, save, and export a ``.tutorpack`` to share
by USB. The pack format and all checks live in :mod:`tutor.lessons`; this is only the form.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from tutor.lessons import (
    Issue,
    ItemType,
    LessonItem,
    LessonPack,
    PackError,
    dump_manifest,
    load_pack,
    write_manifest,
    write_pack_archive,
)
from tutor.lessons.model import MANIFEST_NAME, PACK_SUFFIX
from tutor.lessons.validate import validate_text
from tutor.recording import AudioBackend, Recorder

from .lesson_editor_audio import ReferenceAudio
from .lesson_editor_fields import (
    _slug,
    format_pronunciations,
    new_pack_folder,
    parse_pronunciations_field,
    phones_preview,
)
from .lesson_editor_form import build_form
from .workers import TaskRunner, warm_up_lexicon


class LessonEditorDialog(ReferenceAudio):
    """Edit one pack folder. ``saved`` is emitted with the folder after each save."""

    saved = Signal(Path)
    library_dir: Path | None = None  # a new pack is saved in <library_dir>/<its id>
    # built by :func:`.lesson_editor_form.build_form`
    _preview_timer: QTimer
    add_button: QPushButton
    author_edit: QLineEdit
    choose_audio_button: QPushButton
    clear_audio_button: QPushButton
    description_edit: QPlainTextEdit
    down_button: QPushButton
    focus_edit: QLineEdit
    folder_label: QLabel
    id_edit: QLineEdit
    issue_list: QListWidget
    item_box: QGroupBox
    item_focus_edit: QLineEdit
    item_id_edit: QLineEdit
    level_combo: QComboBox
    phones_label: QLabel
    pron_edit: QLineEdit
    remove_button: QPushButton
    text_edit: QLineEdit
    tip_edit: QPlainTextEdit
    title_edit: QLineEdit
    type_combo: QComboBox
    up_button: QPushButton

    def __init__(
        self,
        parent: QWidget | None = None,
        folder: Path | None = None,
        backend: AudioBackend | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Lesson pack editor")
        self.resize(980, 640)
        self.folder: Path | None = None
        self.items: list[LessonItem] = []
        #: the pack.toml as opened or last saved: saving edits it in place, so the
        #: teacher's comments and layout survive
        self.manifest_text: str | None = None
        self._backend = backend
        self._recorder: Recorder | None = None
        self._loading = False
        self._dirty = False
        self._runner = TaskRunner(parent=self)
        warm_up_lexicon(self._runner)
        self._build()
        if folder is not None:
            self.open_folder(folder)
        else:
            self.new_pack()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        build_form(self)

    # -- pack <-> form -------------------------------------------------------------------

    def new_pack(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.manifest_text = None
        self._set_pack(LessonPack(id=folder.name.lower() if folder else "", title="", items=()))
        self.add_item()
        self._dirty = False

    def open_folder(self, folder: str | Path) -> bool:
        folder = Path(folder)
        if not (folder / MANIFEST_NAME).is_file():
            self.new_pack(folder)
            return True
        try:
            pack = load_pack(folder)
        except PackError as exc:
            self._show_issues(exc.issues)
            QMessageBox.warning(
                self,
                "Cannot open the pack",
                "This pack has errors; fix them in a text editor:\n\n"
                + "\n".join(str(i) for i in exc.issues[:8]),
            )
            return False
        self.folder = folder
        try:
            self.manifest_text = (folder / MANIFEST_NAME).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # load_pack just read it: save writes it anew
            self.manifest_text = None
        self._set_pack(pack)
        self._dirty = False
        return True

    def _set_pack(self, pack: LessonPack) -> None:
        self._loading = True
        self.title_edit.setText(pack.title)
        self.id_edit.setText(pack.id)
        self.author_edit.setText(pack.author)
        self.level_combo.setCurrentText(pack.level)
        self.focus_edit.setText(" ".join(pack.focus_phones))
        self.description_edit.setPlainText(pack.description)
        self.items = list(pack.items)
        self.item_list.clear()
        for item in self.items:
            self.item_list.addItem(self._list_entry(item))
        self._loading = False
        self.folder_label.setText(str(self.folder) if self.folder else "not saved yet")
        self.item_list.setCurrentRow(0 if self.items else -1)
        self._show_item(self.item_list.currentRow())

    @staticmethod
    def _list_entry(item: LessonItem) -> QListWidgetItem:
        entry = QListWidgetItem(f"{item.text or '(empty)'}  ·  {item.type.label}")
        entry.setData(Qt.ItemDataRole.UserRole, item.id)
        return entry

    def pack(self) -> LessonPack:
        """The pack as the form shows it now (not validated)."""
        return LessonPack(
            id=self.id_edit.text().strip(),
            title=self.title_edit.text().strip(),
            items=tuple(self.items),
            author=self.author_edit.text().strip(),
            level=self.level_combo.currentText(),
            description=self.description_edit.toPlainText().strip(),
            focus_phones=tuple(self.focus_edit.text().upper().split()),
        )

    def _meta_edited(self, *_: object) -> None:
        if not self._loading:
            self._dirty = True

    def _show_item(self, row: int) -> None:
        has = 0 <= row < len(self.items)
        self.item_box.setEnabled(has)
        if not has:
            return
        item = self.items[row]
        self._loading = True
        self.text_edit.setText(item.text)
        self.type_combo.setCurrentIndex(self.type_combo.findData(item.type.value))
        self.item_id_edit.setText(item.id)
        self.item_focus_edit.setText(" ".join(item.focus_phones))
        self.pron_edit.setText(format_pronunciations(item.pronunciations))
        self.tip_edit.setPlainText(item.tip)
        self.audio_label.setText(item.audio or "none")
        self._loading = False
        self.preview_phones()

    def _item_edited(self, *_: object) -> None:
        row = self.item_list.currentRow()
        if self._loading or not 0 <= row < len(self.items):
            return
        try:
            prons = parse_pronunciations_field(self.pron_edit.text())
            self.pron_edit.setToolTip("")
        except ValueError as exc:
            prons = self.items[row].pronunciations
            self.pron_edit.setToolTip(str(exc))
        self.items[row] = dataclasses.replace(
            self.items[row],
            text=self.text_edit.text().strip(),
            type=ItemType(self.type_combo.currentData()),
            id=self.item_id_edit.text().strip(),
            focus_phones=tuple(self.item_focus_edit.text().upper().split()),
            pronunciations=prons,
            tip=self.tip_edit.toPlainText().strip(),
        )
        entry = self.item_list.item(row)
        entry.setText(self._list_entry(self.items[row]).text())
        self._dirty = True
        self._preview_timer.start()

    # -- items ---------------------------------------------------------------------------

    def add_item(self, text: str = "", kind: ItemType = ItemType.SENTENCE) -> LessonItem:
        taken = {i.id for i in self.items}
        item = LessonItem(id=_slug(text or "item", taken), text=text, type=kind)
        row = self.item_list.currentRow() + 1 if self.items else 0
        self.items.insert(row, item)
        self.item_list.insertItem(row, self._list_entry(item))
        self.item_list.setCurrentRow(row)
        self._dirty = True
        self.text_edit.setFocus()
        return item

    def remove_item(self) -> None:
        row = self.item_list.currentRow()
        if 0 <= row < len(self.items):
            del self.items[row]
            self.item_list.takeItem(row)
            self._dirty = True
            self._show_item(self.item_list.currentRow())

    def move_item(self, step: int) -> None:
        row = self.item_list.currentRow()
        target = row + step
        if not (0 <= row < len(self.items) and 0 <= target < len(self.items)):
            return
        self.items.insert(target, self.items.pop(row))
        entry = self.item_list.takeItem(row)
        self.item_list.insertItem(target, entry)
        self.item_list.setCurrentRow(target)
        self._dirty = True

    def _rows_dragged(self, *_: object) -> None:
        by_id = {i.id: i for i in self.items}
        order = [
            self.item_list.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(self.item_list.count())
        ]
        if sorted(order) == sorted(by_id):
            self.items = [by_id[i] for i in order]
            self._dirty = True

    # -- phones, validation --------------------------------------------------------------

    def preview_phones(self) -> None:
        """Show the phones the current item expects; the look-up (a g2p guess for unknown
        words, slow the first time) runs off the GUI thread."""
        row = self.item_list.currentRow()
        if not 0 <= row < len(self.items) or not self.items[row].text:
            self.phones_label.setText("")
            return
        item = self.items[row]

        def shown(html: str) -> None:
            if not isValid(self.phones_label):  # the editor closed meanwhile
                return
            current = self.item_list.currentRow()
            if 0 <= current < len(self.items) and self.items[current] == item:
                self.phones_label.setText(html)  # still the item it was asked for

        self._runner.submit(lambda: phones_preview(item), shown, lambda msg: shown(f"⚠ {msg}"))

    def manifest(self) -> str:
        """The ``pack.toml`` that saving would write now."""
        return dump_manifest(self.pack(), self.manifest_text)

    def current_issues(self) -> list[Issue]:
        """Everything ``tutor lesson validate`` would report for the pack as edited, with
        line numbers into the ``pack.toml`` that saving would write."""
        label = str(self.folder / MANIFEST_NAME) if self.folder else MANIFEST_NAME
        return validate_text(self.manifest(), self.folder, label).issues

    def validate(self) -> list[Issue]:
        issues = self.current_issues()
        self._show_issues(issues)
        return issues

    def _show_issues(self, issues: list[Issue]) -> None:
        self.issue_list.clear()
        if not issues:
            self.issue_list.addItem("✔ No problems found.")
        for issue in issues:
            mark = "✖" if issue.is_error else "⚠"
            where = f"line {issue.line}, " if issue.line else ""
            self.issue_list.addItem(f"{mark} {where}{issue.field}: {issue.message}")

    # -- saving, export ------------------------------------------------------------------

    def save(self) -> bool:
        if self.folder is None and not self._ask_folder():
            return False
        issues = self.validate()
        errors = [i for i in issues if i.is_error]
        if errors:
            QMessageBox.warning(
                self, "Not saved", f"Fix {len(errors)} problem(s) first (see Validation)."
            )
            return False
        assert self.folder is not None
        try:
            path = write_manifest(self.pack(), self.folder, self.manifest_text)
            self.manifest_text = path.read_text(encoding="utf-8")
        except OSError as exc:
            from tutor.atomic import describe_write_error

            QMessageBox.warning(
                self, "Not saved", f"Could not write the pack: {describe_write_error(exc)}"
            )
            return False
        self._dirty = False
        self.saved.emit(self.folder)
        return True

    def export(self, out: str | Path) -> Path | None:
        """Save, then zip the pack to ``out``; returns the file or ``None`` on failure."""
        if not self.save():
            return None
        out = Path(out)
        if out.suffix.lower() != PACK_SUFFIX:
            out = out.with_name(out.name + PACK_SUFFIX)
        try:
            assert self.folder is not None
            return write_pack_archive(self.folder, out)
        except (PackError, OSError) as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return None

    def _ask_folder(self) -> bool:
        folder = new_pack_folder(self.library_dir, self.id_edit.text())
        folder = folder or QFileDialog.getExistingDirectory(self, "Folder for this pack")
        if not folder:
            return False
        self.folder = Path(folder)
        self.folder_label.setText(str(self.folder))
        return True

    def _ask_new(self) -> None:
        if self._confirm_discard():
            self.new_pack()

    def _ask_open(self) -> None:
        if self._confirm_discard():
            folder = QFileDialog.getExistingDirectory(self, "Open a lesson pack folder")
            if folder:
                self.open_folder(folder)

    def _ask_export(self) -> None:
        name = f"{self.id_edit.text().strip() or 'lesson'}{PACK_SUFFIX}"
        out, _ = QFileDialog.getSaveFileName(
            self, "Export the pack (e.g. to a USB stick)", name, f"Lesson packs (*{PACK_SUFFIX})"
        )
        if out and self.export(out):
            QMessageBox.information(
                self,
                "Exported",
                f"Saved {out}.\nOn another computer: tutor lesson import, or open it from the app.",
            )

    def _confirm_discard(self) -> bool:
        if not self._dirty:
            return True
        answer = QMessageBox.question(self, "Unsaved changes", "Discard the unsaved changes?")
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        if self._recorder is not None and self._recorder.recording:
            self.record_button.setChecked(False)
        if self._confirm_discard():
            super().reject()
