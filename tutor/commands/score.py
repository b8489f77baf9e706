"""``tutor score AUDIO "TEXT"``: score one recording and print a table or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.scoring.result import UtteranceResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", type=Path, help="WAV, FLAC or OGG recording")
    parser.add_argument("text", help="what the speaker was asked to say")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--models", type=Path, help="folder with acoustic.onnx and head.onnx")


def format_table(result: UtteranceResult) -> str:
    lines = [
        f"Text: {result.text}",
        f"Sentence  accuracy {result.accuracy:4.1f}  fluency {result.fluency:4.1f}  "
        f"completeness {result.completeness:4.1f}  prosody {result.prosodic:4.1f}  "
        f"total {result.total:4.1f}   (0-10)",
        "",
        f"{'word':<14}{'acc':>5}  {'phone':<6}{'score':>6}  {'start':>6}{'end':>7}  heard",
    ]
    for w in result.words:
        for k, p in enumerate(w.phones):
            word = f"{w.text:<14}{w.accuracy:>5.1f}" if k == 0 else " " * 19
            flag = "  <- mispronounced" if p.mispronounced else ""
            heard = p.heard if p.heard != p.phone else "="
            lines.append(
                f"{word}  {p.phone:<6}{p.score:>6.2f}  {p.start:>6.2f}{p.end:>7.2f}  {heard}{flag}"
            )
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from tutor.scoring.engine import Scorer
    from tutor.scoring.errors import ScoringError

    try:
        scorer = Scorer.load(args.models, warm_up=False)
        result = scorer.score(args.audio, args.text)
    except ScoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.to_json(indent=2) if args.json else format_table(result))
    return 0
