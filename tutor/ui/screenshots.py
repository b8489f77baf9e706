"""Headless renders of the app's main views for the README (``tutor --demo-screenshots DIR``).

Each view is drawn from demo data only: the bundled sample scored by the scorer it is given,
in a demo pack written to a throwaway data folder, with a short demo history (earlier, weaker
copies of the same take) so that the progress overview has a trend. No microphone, no
network, nothing of the learner's own data or settings is read or written.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, qRgb
from PySide6.QtWidgets import QApplication, QWidget

from tutor.core.scorer import Scorer
from tutor.lessons.writer import toml_string
from tutor.paths import builtin_lessons_dir
from tutor.scoring.result import UtteranceResult

from .app import _memory_settings, application, build_window, wait
from .help_dialogs import open_about, show_welcome
from .main_window import MainWindow
from .settings import Settings
from .theme import THEMES
from .window_dialogs import open_lesson_editor, open_progress, open_summary
from .workers import analyse

#: view name -> what it shows (the README's captions)
VIEWS: dict[str, str] = {
    "main-window": "Practice: a scored take",
    "progress": "Progress: all sounds",
    "summary": "Session summary",
    "editor": "Lesson editor",
    "about": "Help › About",
    "welcome": "Welcome (first run)",
}
DEMO_PACK_ID = "demo"
DEMO_ITEM_ID = "sample"
HISTORY_DAYS = (9, 6, 3)  # the demo history: days before the take, weakest first
EDITOR_PACK = "th-sounds"  # the built-in pack the editor shows


def shot_name(view: str, theme: str) -> str:
    return f"{view}.png" if theme == "light" else f"{view}-dark.png"


def demo_pack_toml(text: str) -> str:
    """A one-pack manifest: the bundled sample's sentence and two words to go with it."""
    return (
        "format = 1\n\n[pack]\n"
        f'id = "{DEMO_PACK_ID}"\ntitle = "Demo: the bundled sample"\n'
        'level = "beginner"\naccent = "en-US"\n'
        'focus = ["TH", "DH"]\n\n'
        f'[[items]]\nid = "{DEMO_ITEM_ID}"\ntype = "sentence"\ntext = {toml_string(text)}\n'
        'tip = "Keep \\"would\\" short: a quick, relaxed vowel."\n\n'
        '[[items]]\nid = "think"\ntype = "word"\ntext = "think"\nfocus = ["TH"]\n\n'
        '[[items]]\nid = "this"\ntype = "word"\ntext = "this"\nfocus = ["DH"]\n'
    )


def weaker(result: UtteranceResult, by: float) -> UtteranceResult:
    """``result`` with every phone ``by`` lower (0..2) and the scores to match: a demo
    "earlier attempt" for the history."""
    words = []
    for word in result.words:
        phones = tuple(
            dataclasses.replace(p, score=max(0.0, p.score - by), mispronounced=p.score - by < 1.0)
            for p in word.phones
        )
        acc = max(0.0, word.accuracy - 2.5 * by)
        words.append(dataclasses.replace(word, phones=phones, accuracy=acc, total=acc))
    drop = 2.5 * by
    return dataclasses.replace(
        result,
        words=tuple(words),
        accuracy=max(0.0, result.accuracy - drop),
        total=max(0.0, result.total - drop),
    )


def _settle(widget: QWidget, ms: int = 200) -> None:
    app = QApplication.instance()
    widget.show()
    wait(ms)
    if app is not None:
        app.processEvents()


def indexed(image: QImage, colours: int = 256) -> QImage:
    """``image`` with at most ``colours`` colours (the most common cells of a 15-bit colour
    grid, each pixel mapped to the nearest): a third the bytes, the same look for a UI."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    pixels = raw[:, : w * 3].reshape(-1, 3).astype(np.int64)
    cells = (pixels[:, 0] >> 3) << 10 | (pixels[:, 1] >> 3) << 5 | (pixels[:, 2] >> 3)
    _, inverse, counts = np.unique(cells, return_inverse=True, return_counts=True)
    means = np.zeros((len(counts), 3))
    np.add.at(means, inverse, pixels)
    means /= counts[:, None]
    palette = means[np.argsort(-counts, kind="stable")[:colours]]
    nearest = np.empty(len(means), np.uint8)
    for start in range(0, len(means), 4096):  # cell -> nearest palette colour, in blocks
        block = means[start : start + 4096, None, :] - palette[None, :, :]
        nearest[start : start + 4096] = (block**2).sum(-1).argmin(1)
    index = np.ascontiguousarray(nearest[inverse].reshape(h, w))
    out = QImage(index.data, w, h, w, QImage.Format.Format_Indexed8)
    out.setColorTable([qRgb(*(int(round(c)) for c in colour)) for colour in palette])
    return out.copy()  # own the pixels (``index`` goes away)


def _save(widget: QWidget, out: Path) -> Path:
    if not indexed(widget.grab().toImage()).save(str(out), None, 0):
        raise OSError(f"Could not write {out}")
    return out


def demo_window(
    scorer: Scorer,
    audio: Path,
    text: str,
    theme: str,
    data_dir: Path,
    size: tuple[int, int] = (1400, 860),
    font_pt: int | None = None,
) -> MainWindow:
    """The main window on the demo pack with the sample scored (and a demo history)."""
    from tutor.scoring.audio import load_audio

    pack = data_dir / "lessons" / DEMO_PACK_ID
    pack.mkdir(parents=True, exist_ok=True)
    (pack / "pack.toml").write_text(demo_pack_toml(text), encoding="utf-8")
    settings = Settings(_memory_settings())
    settings.theme = theme
    if font_pt is not None:
        settings.font_size = font_pt
    settings.last_item = f"{DEMO_PACK_ID}/{DEMO_ITEM_ID}"
    window = build_window(settings, scorer_factory=lambda: scorer, data_dir=data_dir)
    window.resize(*size)
    window.service._loaded(scorer)  # the scorer is already loaded: skip the background load
    index = next(n for n, i in enumerate(window.items) if i.key == (DEMO_PACK_ID, DEMO_ITEM_ID))
    samples = load_audio(audio)
    take = analyse(samples.samples, samples.sample_rate, scorer, text, {})
    store = window.progress.store
    if take.result is not None and store is not None:
        now = datetime.now(UTC)
        for n, days in enumerate(HISTORY_DAYS):
            earlier = weaker(take.result, 0.3 * (len(HISTORY_DAYS) - n))
            store.record_attempt(
                window.progress.learner, DEMO_PACK_ID, DEMO_ITEM_ID, earlier, None,
                when=now - timedelta(days=days),
            )  # fmt: skip
    window.select_item(index)  # the sitting is planned from that history
    window._on_take(take, audio, window.items[index])  # scored as a take would be
    window.runner.wait(20000)  # lexicon lookups started by select_item
    _settle(window, 300)
    return window


def _overview(window: MainWindow) -> QWidget:
    open_progress(window)
    dialog = window.progress_dialog
    if dialog is None:
        raise OSError("the demo has no progress database")
    return dialog


def _summary(window: MainWindow) -> QWidget:
    session = window.sitting.summary_session()
    if session is None:
        raise OSError("the demo has no practice session")
    open_summary(window, session)
    assert window.summary_dialog is not None
    return window.summary_dialog


def _editor(window: MainWindow) -> QWidget:
    folder = window.data_dir / "editor" / EDITOR_PACK
    shutil.copytree(builtin_lessons_dir() / EDITOR_PACK, folder)
    open_lesson_editor(window)
    dialog = window.lesson_editor
    assert dialog is not None
    dialog.open_folder(folder)  # type: ignore[attr-defined]
    dialog._runner.wait(20000)  # type: ignore[attr-defined]  # the phones preview
    return dialog


def _welcome(window: MainWindow) -> QWidget:
    dialog = show_welcome(window, force=True)
    assert dialog is not None
    return dialog


DIALOGS: dict[str, Callable[[MainWindow], QWidget]] = {
    "progress": _overview,
    "summary": _summary,
    "editor": _editor,
    "about": open_about,
    "welcome": _welcome,
}


def render_views(
    out_dir: Path,
    scorer: Scorer,
    audio: Path,
    text: str,
    themes: Sequence[str] = THEMES,
    views: Sequence[str] = tuple(VIEWS),
    size: tuple[int, int] = (1400, 860),
    font_pt: int | None = None,
) -> list[Path]:
    """Render each of ``views`` in each of ``themes`` into ``out_dir``; the PNGs written."""
    application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for theme in themes:
        data_dir = Path(tempfile.mkdtemp(prefix="tutor-shots-"))
        try:
            window = demo_window(scorer, audio, text, theme, data_dir, size, font_pt)
            for view in views:
                out = out_dir / shot_name(view, theme)
                if view == "main-window":
                    written.append(_save(window, out))
                    continue
                dialog = DIALOGS[view](window)
                _settle(dialog)
                written.append(_save(dialog, out))
                dialog.close()
                _settle(window, 50)
            window.close()
            if window.progress.store is not None:
                window.progress.store.close()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    return written
