"""User preferences, kept with QSettings (the platform's native store)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

FONT_SIZES = (10, 11, 12, 13, 14, 16)
NOTATIONS = {"arpabet": "ARPAbet (TH, IY)", "ipa": "IPA (θ, i)"}


class Settings:
    """Typed access to the app's QSettings keys."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("tutor", "tutor")

    def _str(self, key: str, default: str) -> str:
        value = self.q.value(key, default)
        return str(value) if value is not None else default

    @property
    def theme(self) -> str:
        value = self._str("ui/theme", "light")
        return value if value in ("light", "dark") else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self.q.setValue("ui/theme", value)

    @property
    def font_size(self) -> int:
        try:
            value = int(self._str("ui/font_size", "11"))
        except ValueError:
            value = 11
        return min(max(value, 8), 24)

    @font_size.setter
    def font_size(self, value: int) -> None:
        self.q.setValue("ui/font_size", int(value))

    @property
    def notation(self) -> str:
        value = self._str("ui/notation", "arpabet")
        return value if value in NOTATIONS else "arpabet"

    @notation.setter
    def notation(self, value: str) -> None:
        self.q.setValue("ui/notation", value)

    @property
    def input_device(self) -> str:
        """The input device's name ('' = system default); names survive re-plugging."""
        return self._str("audio/input_device", "")

    @input_device.setter
    def input_device(self, value: str) -> None:
        self.q.setValue("audio/input_device", value)

    @property
    def learner(self) -> str:
        """Who practises on this computer now ('' = the progress store's default learner)."""
        return self._str("practice/learner", "")

    @learner.setter
    def learner(self, value: str) -> None:
        self.q.setValue("practice/learner", value)

    @property
    def last_item(self) -> str:
        return self._str("practice/last_item", "")

    @last_item.setter
    def last_item(self, value: str) -> None:
        self.q.setValue("practice/last_item", value)

    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.q.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def splitter(self, name: str) -> QByteArray | None:
        value = self.q.value(f"window/splitter_{name}")
        return value if isinstance(value, QByteArray) else None

    def save_splitter(self, name: str, state: QByteArray) -> None:
        self.q.setValue(f"window/splitter_{name}", state)

    def sync(self) -> None:
        self.q.sync()
