"""The lesson editor's form: buttons, pack fields, the item list, the item's fields and
reference audio, the validation list (layout only: the dialog wires the behaviour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tutor.lessons import ItemType
from tutor.lessons.model import LEVELS

if TYPE_CHECKING:
    from .lesson_editor import LessonEditorDialog


def build_form(dialog: LessonEditorDialog) -> None:
    """Lay out the dialog's widgets and timers and connect them to its slots."""
    top = QHBoxLayout()
    for label, slot in (
        ("New pack", dialog._ask_new),
        ("Open folder…", dialog._ask_open),
        ("Save", dialog.save),
        ("Validate", dialog.validate),
        ("Export .tutorpack…", dialog._ask_export),
    ):
        button = QPushButton(label)
        button.clicked.connect(slot)
        top.addWidget(button)
    top.addStretch(1)
    dialog.folder_label = QLabel()
    top.addWidget(dialog.folder_label)

    meta = QGroupBox("Pack")
    form = QFormLayout(meta)
    dialog.title_edit = QLineEdit()
    dialog.id_edit = QLineEdit()
    dialog.id_edit.setPlaceholderText("lower-case-with-dashes")
    dialog.author_edit = QLineEdit()
    dialog.level_combo = QComboBox()
    dialog.level_combo.addItems(LEVELS)
    dialog.focus_edit = QLineEdit()
    dialog.focus_edit.setPlaceholderText("e.g. TH DH")
    dialog.description_edit = QPlainTextEdit()
    dialog.description_edit.setFixedHeight(60)
    for label, widget in (
        ("Title", dialog.title_edit),
        ("Id", dialog.id_edit),
        ("Author", dialog.author_edit),
        ("Level", dialog.level_combo),
        ("Focus phones", dialog.focus_edit),
        ("Description", dialog.description_edit),
    ):
        form.addRow(label, widget)
        watch(dialog, widget)

    dialog.item_list = QListWidget()
    dialog.item_list.setAccessibleName("Items")
    dialog.item_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
    dialog.item_list.currentRowChanged.connect(dialog._show_item)
    dialog.item_list.model().rowsMoved.connect(dialog._rows_dragged)
    buttons = QHBoxLayout()
    dialog.add_button = QPushButton("Add")
    dialog.remove_button = QPushButton("Remove")
    dialog.up_button = QPushButton("Up")
    dialog.down_button = QPushButton("Down")
    dialog.add_button.clicked.connect(lambda: dialog.add_item())
    dialog.remove_button.clicked.connect(dialog.remove_item)
    dialog.up_button.clicked.connect(lambda: dialog.move_item(-1))
    dialog.down_button.clicked.connect(lambda: dialog.move_item(1))
    for b in (dialog.add_button, dialog.remove_button, dialog.up_button, dialog.down_button):
        buttons.addWidget(b)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(meta)
    left_layout.addWidget(QLabel("Items (drag to reorder)"))
    left_layout.addWidget(dialog.item_list, 1)
    left_layout.addLayout(buttons)

    dialog.item_box = QGroupBox("Item")
    item_form = QFormLayout(dialog.item_box)
    dialog.text_edit = QLineEdit()
    dialog.text_edit.setPlaceholderText('What the learner says, e.g. "ship, sheep"')
    dialog.type_combo = QComboBox()
    for kind in ItemType:
        dialog.type_combo.addItem(kind.label, kind.value)
    dialog.item_id_edit = QLineEdit()
    dialog.item_focus_edit = QLineEdit()
    dialog.item_focus_edit.setPlaceholderText("e.g. IH IY")
    dialog.pron_edit = QLineEdit()
    dialog.pron_edit.setPlaceholderText("optional: record = R IH0 K AO1 R D")
    dialog.tip_edit = QPlainTextEdit()
    dialog.tip_edit.setFixedHeight(60)
    dialog.phones_label = QLabel()
    dialog.phones_label.setWordWrap(True)
    dialog.phones_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    audio_row = QHBoxLayout()
    dialog.audio_label = QLabel("none")
    dialog.record_button = QPushButton("Record reference")
    dialog.record_button.setCheckable(True)
    dialog.record_button.toggled.connect(dialog._toggle_recording)
    dialog.choose_audio_button = QPushButton("Choose file…")
    dialog.choose_audio_button.clicked.connect(dialog._ask_audio)
    dialog.clear_audio_button = QPushButton("No audio")
    dialog.clear_audio_button.clicked.connect(lambda: dialog.set_item_audio(None))
    for w in (
        dialog.audio_label,
        dialog.record_button,
        dialog.choose_audio_button,
        dialog.clear_audio_button,
    ):
        audio_row.addWidget(w)
    for label, widget in (
        ("Text", dialog.text_edit),
        ("Type", dialog.type_combo),
        ("Id", dialog.item_id_edit),
        ("Focus phones", dialog.item_focus_edit),
        ("Pronunciations", dialog.pron_edit),
        ("Tip", dialog.tip_edit),
    ):
        item_form.addRow(label, widget)
        watch(dialog, widget, item=True)
    item_form.addRow("Reference audio", audio_row)
    item_form.addRow("Phones", dialog.phones_label)

    dialog.issue_list = QListWidget()
    dialog.issue_list.setAccessibleName("Validation results")
    right = QWidget()
    right_layout = QVBoxLayout(right)
    right_layout.addWidget(dialog.item_box)
    right_layout.addWidget(QLabel("Validation"))
    right_layout.addWidget(dialog.issue_list, 1)

    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 2)
    layout = QVBoxLayout(dialog)
    layout.addLayout(top)
    layout.addWidget(splitter, 1)

    dialog._preview_timer = QTimer(dialog)
    dialog._preview_timer.setSingleShot(True)
    dialog._preview_timer.setInterval(300)
    dialog._preview_timer.timeout.connect(dialog.preview_phones)
    dialog._record_timer = QTimer(dialog)
    dialog._record_timer.setInterval(100)
    dialog._record_timer.timeout.connect(dialog._poll_recording)


def watch(dialog: LessonEditorDialog, widget: QWidget, item: bool = False) -> None:
    """Tell the dialog when the teacher edits ``widget`` (a pack field, or an item's)."""
    slot = dialog._item_edited if item else dialog._meta_edited
    if isinstance(widget, QLineEdit):
        widget.textEdited.connect(slot)
    elif isinstance(widget, QPlainTextEdit):
        widget.textChanged.connect(slot)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)
