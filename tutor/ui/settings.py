"""User preferences, kept with QSettings in ``<data folder>/settings.ini`` (``TUTOR_HOME``).

What belongs to the computer (theme, font size, input device, model voice, window layout,
who practises now) is shared; what belongs to a learner (notation, last item) is kept per
learner, so learners sharing a laptop or an OS account do not share them. Settings from the old
per-account store (``~/.config/tutor/tutor.conf``) are copied over once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_FILE = "settings.ini"

FONT_SIZES = (10, 11, 12, 13, 14, 16)
NOTATIONS = {"arpabet": "ARPAbet (TH, IY)", "ipa": "IPA (θ, i)"}


class Settings:
    """Typed access to the app's QSettings keys."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("tutor", "tutor")

    @classmethod
    def open(cls, data_dir: Path, legacy: QSettings | None = None) -> Settings:
        """The settings in ``data_dir``; the first time, what ``legacy`` (default: the old
        per-account store) held is copied in."""
        path = data_dir / SETTINGS_FILE
        fresh = not path.exists()
        q = QSettings(str(path), QSettings.Format.IniFormat)
        if fresh:
            old = legacy if legacy is not None else QSettings("tutor", "tutor")
            for key in old.allKeys():
                q.setValue(key, old.value(key))
            q.sync()
        return cls(q)

    def _str(self, key: str, default: str) -> str:
        value = self.q.value(key, default)
        return str(value) if value is not None else default

    def _mine(self, key: str) -> str:
        """``key`` for the current learner (any name is a safe key in hex)."""
        return f"learners/{(self.learner or 'default').encode('utf-8').hex()}/{key}"

    def _learner_str(self, key: str, default: str) -> str:
        """The learner's own value; before they set one, the shared (older) one."""
        return self._str(self._mine(key), self._str(key, default))

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
        value = self._learner_str("ui/notation", "arpabet")
        return value if value in NOTATIONS else "arpabet"

    @notation.setter
    def notation(self, value: str) -> None:
        self.q.setValue(self._mine("ui/notation"), value)

    @property
    def input_device(self) -> str:
        """The input device's name ('' = system default); names survive re-plugging."""
        return self._str("audio/input_device", "")

    @input_device.setter
    def input_device(self, value: str) -> None:
        self.q.setValue("audio/input_device", value)

    @property
    def model_voice(self) -> str:
        """The voice that speaks the model ('' = the default chain); a school's choice, so
        per computer, not per learner."""
        return self._str("audio/model_voice", "")

    @model_voice.setter
    def model_voice(self, value: str) -> None:
        self.q.setValue("audio/model_voice", value)

    @property
    def learner(self) -> str:
        """Who practises on this computer now ('' = the progress store's default learner)."""
        return self._str("practice/learner", "")

    @learner.setter
    def learner(self, value: str) -> None:
        self.q.setValue("practice/learner", value)

    @property
    def last_item(self) -> str:
        """``pack id/item id`` the learner last practised."""
        return self._learner_str("practice/last_item", "")

    @last_item.setter
    def last_item(self, value: str) -> None:
        self.q.setValue(self._mine("practice/last_item"), value)

    def seen(self, key: str) -> bool:
        """Whether the current learner has had ``key`` (e.g. the welcome) already."""
        return self.q.value(self._mine(f"seen/{key}"), False) in (True, "true")

    def mark_seen(self, key: str) -> None:
        self.q.setValue(self._mine(f"seen/{key}"), True)

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
