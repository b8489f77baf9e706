"""Start the desktop app, or render it headless for a screenshot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tutor.atomic import remove_leftovers
from tutor.core import Library, PackItem, Progress, load_library
from tutor.core.scorer import Scorer
from tutor.lessons.model import LessonItem, LessonPack
from tutor.paths import user_data_dir
from tutor.recording import AudioBackend, default_backend

from . import theme as themes
from .help_dialogs import show_welcome
from .main_window import MainWindow
from .pack_import import import_pack_file, is_pack_file
from .settings import Settings
from .workers import ScorerFactory, analyse, default_scorer_factory


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setOrganizationName("tutor")
    QCoreApplication.setApplicationName("tutor")
    return QApplication(argv if argv is not None else sys.argv[:1])


def build_window(
    settings: Settings | None = None,
    backend: AudioBackend | None = None,
    scorer_factory: ScorerFactory = default_scorer_factory,
    data_dir: Path | None = None,
) -> MainWindow:
    data = data_dir or user_data_dir()
    settings = settings or Settings.open(data)
    remove_leftovers(data / "recordings")  # a take whose write a killed app left unfinished
    progress = Progress.open(data / "progress.sqlite3")
    if settings.learner:
        progress.switch_learner(settings.learner)

    def library() -> Library:
        """The packs in their own order: the list never reorders itself after a pass (the
        sitting plans its own order; due items show as badges and in "Review due")."""
        return load_library(installed=data / "lessons")

    window = MainWindow(
        backend=backend or default_backend(),
        library=library(),
        settings=settings,
        data_dir=data,
        scorer_factory=scorer_factory,
        progress=progress,
        library_loader=library,
    )
    window.apply_theme()
    return window


def run(theme: str | None = None, open_file: str | None = None) -> int:
    app = application()
    settings = Settings.open(user_data_dir())  # under TUTOR_HOME, not ~/.config
    if theme:
        settings.theme = theme
    window = build_window(settings)
    window.show()
    window.start()
    show_welcome(window)  # once per learner
    if open_file and is_pack_file(open_file):  # "open with" a .tutorpack: import it
        import_pack_file(window, Path(open_file))
    elif open_file:
        window.open_audio_file(open_file)
    return app.exec()


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def render_screenshot(
    out_path: Path,
    scorer: Scorer,
    audio: Path,
    text: str,
    theme: str = "light",
    size: tuple[int, int] = (1400, 860),
    data_dir: Path | None = None,
) -> Path:
    """Score ``audio`` against ``text`` with ``scorer``, draw the window, save a PNG."""
    from tutor.scoring.audio import load_audio

    if "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = application()
    settings = Settings(_memory_settings())
    settings.theme = theme
    if data_dir is None:  # never write the demo attempt into the learner's own progress
        import tempfile

        data_dir = Path(tempfile.mkdtemp(prefix="tutor-shot-data-"))
    window = build_window(settings, scorer_factory=lambda: scorer, data_dir=data_dir)
    window.resize(*size)
    item = next((i for i in window.items if _same_text(i.text, text)), None)
    if item is None:
        sample = LessonItem(id="sample", text=text)
        item = PackItem(LessonPack(id="sample", title="Sample", items=(sample,)), sample)
        window.items.append(item)
    window.select_item(window.items.index(item))
    window.service._loaded(scorer)  # the scorer is already loaded: skip the background load
    samples = load_audio(audio)
    take = analyse(samples.samples, samples.sample_rate, scorer, item.text, item.overrides)
    if take.result is not None:
        window.progress.record(item.pack_id, item.id, take.result, audio)
    window.take, window.take_path = take, audio
    window.show()
    window._refresh()
    window.runner.wait(20000)  # lexicon lookups started by select_item
    wait(300)
    app.processEvents()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out_path)):
        raise OSError(f"Could not write {out_path}")
    window.close()
    return out_path


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join("".join(c.lower() if c.isalnum() else " " for c in s).split())

    return norm(a) == norm(b)


def _memory_settings() -> QSettings:
    """QSettings in a throwaway INI file, so a screenshot never touches the user's settings."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="tutor-shot-")) / "settings.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


__all__ = ["application", "build_window", "render_screenshot", "run", "themes"]
