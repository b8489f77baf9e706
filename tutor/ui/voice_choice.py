"""Settings › Model voice: which voice speaks the model, what each one is and its licence.

The voices come from :func:`tutor.voice.voices.list_voices`; the default (the first usable
voice of the chain) is marked; a voice that cannot speak here is listed but disabled, with
the reason. Choosing the default stores ``""`` (follow the default chain); leaving the combo
as it was keeps the stored choice, even one that is no longer installed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from tutor.voice import voices as catalogue

LABEL_CHARS = 36  # the combo's width in characters; the open list shows whole labels


class VoiceChoice:
    """A combo box of the voices and a note under it about the selected one."""

    def __init__(self, chosen: str, parent: QWidget | None = None) -> None:
        self.combo = QComboBox(parent)
        self.combo.setAccessibleName("Model voice")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(LABEL_CHARS)
        self.about = QLabel(parent)
        self.about.setObjectName("muted")
        self.about.setWordWrap(True)
        default = catalogue.default_voice()
        self.default_name = default.name if default is not None else ""
        self._about: dict[str, str] = {}
        for voice in catalogue.list_voices():
            self._add(voice)
        self._warning = self._select(chosen)
        self.initial = self.combo.currentIndex()
        self.combo.currentIndexChanged.connect(self._describe)
        self._describe()

    def _add(self, voice: catalogue.VoiceInfo) -> None:
        problem = voice.problem()
        label = voice.name + ("  (default)" if voice.name == self.default_name else "")
        label += f" — {voice.description}"
        if problem:
            label += f" — unavailable: {problem}"
        self.combo.addItem(label, voice.name)
        index = self.combo.count() - 1
        self.combo.setItemData(index, f"Licence: {voice.licence}", Qt.ItemDataRole.ToolTipRole)
        model = self.combo.model()
        if problem and isinstance(model, QStandardItemModel):
            item = model.item(index)
            if item is not None:
                item.setEnabled(False)
        self._about[voice.name] = f"{voice.description}. Licence: {voice.licence}."

    def usable(self, index: int) -> bool:
        model = self.combo.model()
        if not isinstance(model, QStandardItemModel):
            return True
        item = model.item(index)
        return item is not None and item.isEnabled()

    def _select(self, chosen: str) -> str:
        """Point the combo at ``chosen`` (else the default); what to warn about, if anything."""
        index = self.combo.findData(chosen) if chosen else -1
        warning = ""
        if chosen and index < 0:
            warning = f"The chosen voice “{chosen}” is no longer installed"
        elif index >= 0 and not self.usable(index):
            warning = f"The chosen voice “{chosen}” cannot speak here"
        if warning or index < 0:
            index = self.combo.findData(self.default_name)
            if warning:
                warning += (
                    f": {self.default_name} speaks instead."
                    if self.default_name
                    else ": no voice can speak here (install espeak-ng)."
                )
        elif not self.default_name:
            warning = "No voice can speak here: install espeak-ng."
        self.combo.setCurrentIndex(max(index, 0))
        return warning

    def _describe(self, _index: int = -1) -> None:
        name = str(self.combo.currentData() or "")
        about = self._about.get(name, "")
        self.about.setText(f"{self._warning}\n{about}" if self._warning else about)

    def chosen(self) -> str | None:
        """What to store: ``None`` when the combo was left as it was (keep the stored
        choice), ``""`` for the default voice, else the voice's name."""
        index = self.combo.currentIndex()
        if index == self.initial or not self.usable(index):
            return None
        name = str(self.combo.currentData() or "")
        return "" if name == self.default_name else name
