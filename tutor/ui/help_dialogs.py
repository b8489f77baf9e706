"""Help › About (version, the model card's summary, licences and credits) and the first-run
welcome, shown once per learner (who practises, test the microphone, where to start)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tutor import __version__
from tutor.paths import assets_dir

from .window_dialogs import ask_learner, open_settings, show_dialog

if TYPE_CHECKING:
    from .main_window import MainWindow

MAX_CARD_LINES = 30  # of the model card's opening (what the files are, size, metadata)

LICENCES = """\
## Licences and credits
- **Tutor** (this app): MIT licence.
- **Scoring models**: trained on **speechocean762** (Junbo Zhang et al., Interspeech 2021),
  licence **CC BY 4.0**: credit to its authors and to Speechocean.
- **Model voice** (Piper voice *en_US-joe-medium*): the package that ships it is MIT and the
  voice's own recordings are CC0, but the voice was fine-tuned from Piper's *lessac* voice,
  whose training data (Blizzard 2013 Lessac) is licensed for **research use only**, as far
  as we could tell. If that matters where you teach, choose **espeak-ng** (GPL-3.0-or-later,
  run as a separate program) in Settings › Model voice, or remove the voice package; a
  teacher's own recording for an item is always used first.
"""


def model_card_summary() -> str:
    """The opening of ``assets/models/README.md`` up to its first section (markdown), or a
    note when it is missing."""
    card = assets_dir() / "models" / "README.md"
    try:
        lines = card.read_text(encoding="utf-8").splitlines()
    except OSError:
        return "_The model card (assets/models/README.md) is not installed._"
    end = next((n for n, line in enumerate(lines) if n and line.startswith("## ")), len(lines))
    opening = "\n".join(lines[: min(end, MAX_CARD_LINES)]).strip()
    return opening.replace("# Model card", "## Model card", 1)


def about_markdown(model_version: str) -> str:
    return (
        f"# Tutor {__version__}\n\nOffline pronunciation practice: nothing you record "
        f"leaves this computer.\n\nScoring model: **{model_version}**\n\n"
        f"{model_card_summary()}\n\n{LICENCES}"
    )


class AboutDialog(QDialog):
    def __init__(self, model_version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Tutor")
        self.resize(640, 560)
        self.text = QTextBrowser()
        self.text.setAccessibleName("About Tutor")
        self.text.setOpenExternalLinks(False)
        self.text.setMarkdown(about_markdown(model_version))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)


def open_about(window: MainWindow) -> AboutDialog:
    scorer = window.service.scorer
    version = getattr(scorer, "version", "") if scorer is not None else ""
    dialog = AboutDialog(version or "not loaded yet", window)
    show_dialog(dialog)
    return dialog


def welcome_text(learner: str, first_pack: str) -> str:
    start = f"“{first_pack}” is a good first pack" if first_pack else "Pick a pack on the left"
    return (
        "<h2>Welcome to Tutor</h2>"
        f"<p>You are practising as <b>{escape(learner)}</b>: everything you record stays on "
        "this computer, saved under this name. "
        "Not you? <b>Learner › Switch learner…</b> (Ctrl+L) picks or adds a learner.</p>"
        "<p><b>Test the microphone</b> first: press the button below, speak, and watch "
        "the bar move.</p>"
        f"<p><b>Where to start</b>: {start}. Press <b>F</b> to hear the model, "
        "<b>Space</b> to record, <b>N</b> for the next item.</p>"
    )


class WelcomeDialog(QDialog):
    def __init__(self, learner: str, first_pack: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Tutor")
        self.text = QLabel(welcome_text(learner, first_pack))
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(420)
        self.test_mic = QPushButton("Test the microphone…")
        self.switch = QPushButton("Switch learner…")
        start = QPushButton("Start practising")
        start.setDefault(True)
        start.clicked.connect(self.accept)
        row = QHBoxLayout()
        for button in (self.test_mic, self.switch):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(row)


def show_welcome(window: MainWindow, force: bool = False) -> WelcomeDialog | None:
    """The welcome, once per learner (``force``: Help › Welcome shows it again)."""
    learner = window.progress.learner
    if not force and window.settings.seen("welcome"):
        return None
    window.settings.mark_seen("welcome")
    first_pack = window.items[0].pack.title if window.items else ""
    dialog = WelcomeDialog(learner, first_pack, window)

    def test_mic() -> None:
        dialog.accept()
        open_settings(window)

    def switch() -> None:
        dialog.accept()
        switch_learner(window)

    dialog.test_mic.clicked.connect(test_mic)
    dialog.switch.clicked.connect(switch)
    show_dialog(dialog)
    return dialog


def switch_learner(window: MainWindow) -> None:
    """Learner › Switch learner…, then the welcome if that learner has not seen it."""
    ask_learner(window)
    show_welcome(window)
