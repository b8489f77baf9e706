"""The lesson pack editor: for teachers who do not program.

Open a pack folder (or start a new one), add and reorder items, record reference audio,
preview the phones each item expects, validate, save, and export a ``.tutorpack`` to share
by USB. The pack format and all checks live in :mod:`tutor.lessons`; this is only the form.

Open it with ``LessonEditorDialog(parent).exec()`` (or ``.open_folder(path)`` first).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
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
from tutor.lessons.model import LEVELS, MANIFEST_NAME, PACK_SUFFIX
from tutor.lessons.validate import check_audio_file, validate_text
from tutor.recording import RECORD_RATE, AudioBackend, Recorder, RecordingError
from tutor.scoring.errors import TextError
from tutor.scoring.lexicon import Lexicon

from .workers import TaskRunner

_PRON_RE = re.compile(r"^\s*([A-Za-z][A-Za-z']*)\s*=\s*(.+?)\s*$")


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def format_pronunciations(prons: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{w} = {' | '.join(v)}" for w, v in prons.items())


def parse_pronunciations_field(text: str) -> dict[str, tuple[str, ...]]:
    """``"record = R IH0 K AO1 R D; read = R EH1 D | R IY1 D"`` -> overrides.

    Raises ``ValueError`` with a message for the teacher.
    """
    out: dict[str, tuple[str, ...]] = {}
    for part in filter(str.strip, text.split(";")):
        match = _PRON_RE.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r}: write word = PHONES, e.g. record = R EH1 K ER0 D")
        out[match.group(1).lower()] = tuple(v.strip() for v in match.group(2).split("|"))
    return out


def phones_preview(item: LessonItem) -> str:
    """The item's words with their expected phones (ARPAbet and IPA), as HTML; a problem
    with the text or its pronunciations, as a warning line. Slow the first time."""
    from tutor.scoring.lexicon import pronounce
    from tutor.scoring.phones import to_ipa

    try:
        words = pronounce(item.text, item.overrides or None)
    except (TextError, ValueError) as exc:  # bad text or override: show it, never crash
        return f"⚠ {exc}"
    parts = []
    for w in words:
        phones = " ".join(w.phones)
        ipa = "".join(to_ipa(p) for p in w.phones)
        flag = {"g2p": " (guessed: add a pronunciation if wrong)",
                "override": " (your pronunciation)"}.get(w.source, "")
        parts.append(f"<b>{w.text}</b> {phones} /{ipa}/{flag}")
    return "<br>".join(parts)


class LessonEditorDialog(QDialog):
    """Edit one pack folder. ``saved`` is emitted with the folder after each save."""

    saved = Signal(Path)

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None,
                 backend: AudioBackend | None = None) -> None:
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
        # load the g2p model now, off the GUI thread, so the first preview or validation
        # does not stall the form
        self._runner.submit(lambda: Lexicon.default().warm_up(), lambda _: None,
                            lambda _msg: None)
        self._build()
        if folder is not None:
            self.open_folder(folder)
        else:
            self.new_pack()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        top = QHBoxLayout()
        for label, slot in (("New pack", self._ask_new), ("Open folder…", self._ask_open),
                            ("Save", self.save), ("Validate", self.validate),
                            ("Export .tutorpack…", self._ask_export)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            top.addWidget(button)
        top.addStretch(1)
        self.folder_label = QLabel()
        top.addWidget(self.folder_label)

        meta = QGroupBox("Pack")
        form = QFormLayout(meta)
        self.title_edit = QLineEdit()
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("lower-case-with-dashes")
        self.author_edit = QLineEdit()
        self.level_combo = QComboBox()
        self.level_combo.addItems(LEVELS)
        self.focus_edit = QLineEdit()
        self.focus_edit.setPlaceholderText("e.g. TH DH")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setFixedHeight(60)
        for label, widget in (("Title", self.title_edit), ("Id", self.id_edit),
                              ("Author", self.author_edit), ("Level", self.level_combo),
                              ("Focus phones", self.focus_edit),
                              ("Description", self.description_edit)):
            form.addRow(label, widget)
            self._watch(widget)

        self.item_list = QListWidget()
        self.item_list.setAccessibleName("Items")
        self.item_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.item_list.currentRowChanged.connect(self._show_item)
        self.item_list.model().rowsMoved.connect(self._rows_dragged)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        self.add_button.clicked.connect(lambda: self.add_item())
        self.remove_button.clicked.connect(self.remove_item)
        self.up_button.clicked.connect(lambda: self.move_item(-1))
        self.down_button.clicked.connect(lambda: self.move_item(1))
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(meta)
        left_layout.addWidget(QLabel("Items (drag to reorder)"))
        left_layout.addWidget(self.item_list, 1)
        left_layout.addLayout(buttons)

        self.item_box = QGroupBox("Item")
        item_form = QFormLayout(self.item_box)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText('What the learner says, e.g. "ship, sheep"')
        self.type_combo = QComboBox()
        for kind in ItemType:
            self.type_combo.addItem(kind.label, kind.value)
        self.item_id_edit = QLineEdit()
        self.item_focus_edit = QLineEdit()
        self.item_focus_edit.setPlaceholderText("e.g. IH IY")
        self.pron_edit = QLineEdit()
        self.pron_edit.setPlaceholderText("optional: record = R IH0 K AO1 R D")
        self.tip_edit = QPlainTextEdit()
        self.tip_edit.setFixedHeight(60)
        self.phones_label = QLabel()
        self.phones_label.setWordWrap(True)
        self.phones_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        audio_row = QHBoxLayout()
        self.audio_label = QLabel("none")
        self.record_button = QPushButton("Record reference")
        self.record_button.setCheckable(True)
        self.record_button.toggled.connect(self._toggle_recording)
        self.choose_audio_button = QPushButton("Choose file…")
        self.choose_audio_button.clicked.connect(self._ask_audio)
        self.clear_audio_button = QPushButton("No audio")
        self.clear_audio_button.clicked.connect(lambda: self.set_item_audio(None))
        for w in (self.audio_label, self.record_button, self.choose_audio_button,
                  self.clear_audio_button):
            audio_row.addWidget(w)
        for label, widget in (("Text", self.text_edit), ("Type", self.type_combo),
                              ("Id", self.item_id_edit), ("Focus phones", self.item_focus_edit),
                              ("Pronunciations", self.pron_edit), ("Tip", self.tip_edit)):
            item_form.addRow(label, widget)
            self._watch(widget, item=True)
        item_form.addRow("Reference audio", audio_row)
        item_form.addRow("Phones", self.phones_label)

        self.issue_list = QListWidget()
        self.issue_list.setAccessibleName("Validation results")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.item_box)
        right_layout.addWidget(QLabel("Validation"))
        right_layout.addWidget(self.issue_list, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(300)
        self._preview_timer.timeout.connect(self.preview_phones)
        self._record_timer = QTimer(self)
        self._record_timer.setInterval(100)
        self._record_timer.timeout.connect(self._poll_recording)

    def _watch(self, widget: QWidget, item: bool = False) -> None:
        slot = self._item_edited if item else self._meta_edited
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(slot)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(slot)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(slot)

    # -- pack <-> form -------------------------------------------------------------------

    def new_pack(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.manifest_text = None
        self._set_pack(LessonPack(id=folder.name.lower() if folder else "", title="",
                                  items=()))
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
            QMessageBox.warning(self, "Cannot open the pack",
                                "This pack has errors; fix them in a text editor:\n\n"
                                + "\n".join(str(i) for i in exc.issues[:8]))
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
            id=self.id_edit.text().strip(), title=self.title_edit.text().strip(),
            items=tuple(self.items), author=self.author_edit.text().strip(),
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
            self.items[row], text=self.text_edit.text().strip(),
            type=ItemType(self.type_combo.currentData()), id=self.item_id_edit.text().strip(),
            focus_phones=tuple(self.item_focus_edit.text().upper().split()),
            pronunciations=prons, tip=self.tip_edit.toPlainText().strip(),
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
        order = [self.item_list.item(r).data(Qt.ItemDataRole.UserRole)
                 for r in range(self.item_list.count())]
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
            QMessageBox.warning(self, "Not saved",
                                f"Fix {len(errors)} problem(s) first (see Validation).")
            return False
        assert self.folder is not None
        try:
            path = write_manifest(self.pack(), self.folder, self.manifest_text)
            self.manifest_text = path.read_text(encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"Could not write the pack: {exc}")
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
        folder = QFileDialog.getExistingDirectory(self, "Folder for this pack")
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
        out, _ = QFileDialog.getSaveFileName(self, "Export the pack (e.g. to a USB stick)", name,
                                             f"Lesson packs (*{PACK_SUFFIX})")
        if out and self.export(out):
            QMessageBox.information(self, "Exported", f"Saved {out}.\nOn another computer: "
                                    "tutor lesson import, or open it from the app.")

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

    # -- reference audio -----------------------------------------------------------------

    def set_item_audio(self, relative: str | None) -> None:
        row = self.item_list.currentRow()
        if 0 <= row < len(self.items):
            self.items[row] = dataclasses.replace(self.items[row], audio=relative)
            self.audio_label.setText(relative or "none")
            self._dirty = True

    def _ask_audio(self) -> None:
        if self.folder is None and not self._ask_folder():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Reference audio", "",
                                              "Audio (*.wav *.flac *.ogg)")
        if name:
            self.import_audio(Path(name))

    def import_audio(self, source: Path) -> str | None:
        """Copy an audio file into the pack's ``audio/`` folder and use it for the item."""
        assert self.folder is not None
        row = self.item_list.currentRow()
        if not 0 <= row < len(self.items):
            return None
        relative = f"audio/{self.items[row].id}{source.suffix.lower()}"
        dest = self.folder / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(source.read_bytes())
        problem = check_audio_file(self.folder, relative)
        if problem:
            dest.unlink(missing_ok=True)
            QMessageBox.warning(self, "Audio not used", problem)
            return None
        self.set_item_audio(relative)
        return relative

    def _toggle_recording(self, on: bool) -> None:
        if on:
            if self.folder is None and not self._ask_folder():
                self.record_button.setChecked(False)
                return
            if self._backend is None:
                from tutor.recording import default_backend

                self._backend = default_backend()
            self._recorder = Recorder(self._backend)
            try:
                self._recorder.start()
            except RecordingError as exc:
                self._recorder = None
                self.record_button.setChecked(False)
                QMessageBox.warning(self, "Cannot record", str(exc))
                return
            self.record_button.setText("Stop")
            self._record_timer.start()
        else:
            self._record_timer.stop()
            self.record_button.setText("Record reference")
            if self._recorder is not None and self._recorder.recording:
                self.save_take(self._recorder.stop())
            self._recorder = None

    def _poll_recording(self) -> None:
        if self._recorder is not None and self._recorder.should_stop():
            self.record_button.setChecked(False)

    def save_take(self, samples: object) -> str | None:
        import numpy as np
        import soundfile as sf

        take = np.asarray(samples, dtype=np.float32)
        row = self.item_list.currentRow()
        if self.folder is None or not 0 <= row < len(self.items) or take.size == 0:
            return None
        relative = f"audio/{self.items[row].id}.wav"
        dest = self.folder / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(dest), np.clip(take, -1, 1), RECORD_RATE, subtype="PCM_16")
        problem = check_audio_file(self.folder, relative)
        if problem:
            QMessageBox.warning(self, "Recording not used", problem)
            dest.unlink(missing_ok=True)
            return None
        self.set_item_audio(relative)
        return relative
