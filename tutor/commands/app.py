"""``tutor app``: the desktop app; ``tutor --demo-screenshot OUT.png``: a headless render."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", choices=("light", "dark"), help="colour theme (remembered)")
    parser.add_argument("--open", metavar="AUDIO", help="open and score this WAV/FLAC file")


def run(args: argparse.Namespace) -> int:
    try:
        from tutor.ui.app import run as run_app
    except ImportError as exc:
        print(f"tutor: the desktop app needs PySide6 and pyqtgraph ({exc}).", file=sys.stderr)
        return 1
    return run_app(theme=getattr(args, "theme", None), open_file=getattr(args, "open", None))


def bundled_sample() -> tuple[Path, str] | None:
    """The first ``assets/samples/*.wav|*.flac`` with a sibling ``.txt`` holding its text."""
    from tutor.paths import assets_dir

    folder = assets_dir() / "samples"
    for audio in sorted(folder.glob("*")):
        text_file = audio.with_suffix(".txt")
        if audio.suffix.lower() in (".wav", ".flac") and text_file.is_file():
            text = text_file.read_text(encoding="utf-8").strip()
            if text:
                return audio, text
    return None


def demo_screenshot(out_path: str | Path, theme: str = "light") -> int:
    """Score the bundled sample, render the main window headless, save a PNG."""
    sample = bundled_sample()
    if sample is None:
        print("tutor: no bundled sample (assets/samples/*.wav with a .txt).", file=sys.stderr)
        return 1
    try:
        from tutor.scoring import Scorer, ScoringError
        from tutor.ui.app import render_screenshot
    except ImportError as exc:
        print(f"tutor: cannot render the window: {exc}", file=sys.stderr)
        return 1
    try:
        scorer = Scorer.load()
        out = render_screenshot(Path(out_path), scorer, sample[0], sample[1], theme=theme)
    except (ScoringError, OSError) as exc:
        print(f"tutor: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {out}")
    return 0
