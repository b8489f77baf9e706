"""``tutor app``: the desktop app; ``tutor --demo-screenshot OUT.png`` and
``tutor --demo-screenshots DIR``: headless renders."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.scoring.engine import Scorer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", choices=("light", "dark"), help="colour theme (remembered)")
    parser.add_argument(
        "--open",
        metavar="FILE",
        help="open and score this WAV/FLAC file, or import this .tutorpack lesson pack",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from tutor.ui.app import run as run_app
    except ImportError as exc:
        print(f"tutor: the desktop app needs PySide6 and pyqtgraph ({exc}).", file=sys.stderr)
        return 1
    return run_app(theme=getattr(args, "theme", None), open_file=getattr(args, "open", None))


def bundled_sample() -> tuple[Path, str] | None:
    """The first ``assets/samples/*.wav|*.flac`` whose sibling ``.json`` (key ``text``) or
    ``.txt`` holds what was said."""
    import json

    from tutor.paths import assets_dir

    folder = assets_dir() / "samples"
    for audio in sorted(folder.glob("*")):
        if audio.suffix.lower() not in (".wav", ".flac"):
            continue
        text = ""
        meta, plain = audio.with_suffix(".json"), audio.with_suffix(".txt")
        try:
            if meta.is_file():
                text = str(json.loads(meta.read_text(encoding="utf-8")).get("text", ""))
            elif plain.is_file():
                text = plain.read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
        if text.strip():
            return audio, text.strip()
    return None


def demo_screenshot(out_path: str | Path, theme: str = "light") -> int:
    """Score the bundled sample, render the main window headless, save a PNG."""

    def draw(scorer: Scorer, audio: Path, text: str) -> list[Path]:
        from tutor.ui.app import render_screenshot

        return [render_screenshot(Path(out_path), scorer, audio, text, theme=theme)]

    return _render_demo(draw)


def demo_screenshots(out_dir: str | Path) -> int:
    """Render each main view (practice, progress, summary, editor, about, welcome) from demo
    data in both themes into ``out_dir``."""

    def draw(scorer: Scorer, audio: Path, text: str) -> list[Path]:
        from tutor.ui.screenshots import render_views

        return render_views(Path(out_dir), scorer, audio, text)

    return _render_demo(draw)


def _render_demo(draw: Callable[[Scorer, Path, str], list[Path]]) -> int:
    """Load the shipped scorer and run ``draw`` on the bundled sample; a message, not a
    traceback, when the sample, the models or Qt are missing."""
    from tutor.scoring import ScoringError
    from tutor.scoring.engine import Scorer

    sample = bundled_sample()
    if sample is None:
        print("tutor: no bundled sample (assets/samples/*.flac with its .json).", file=sys.stderr)
        return 1
    try:
        written = draw(Scorer.load(), *sample)
    except ImportError as exc:
        print(f"tutor: cannot render the window: {exc}", file=sys.stderr)
        return 1
    except (ScoringError, OSError) as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"Saved {path}")
    return 0
