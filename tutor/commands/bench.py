"""``tutor bench``: score a speechocean762-style split and compare with the experts."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="corpus folder (holds SPLIT/)")
    parser.add_argument("--split", required=True, help="split name, e.g. train or test")
    parser.add_argument("--limit", type=int, help="score only the first N utterances")
    parser.add_argument(
        "--speakers",
        type=Path,
        help="file of speaker ids (one per line) to keep, e.g. the validation slice",
    )
    parser.add_argument("--models", type=Path, help="folder with acoustic.onnx and head.onnx")
    parser.add_argument(
        "--substitute",
        action="store_true",
        help="also swap one phone of clean readings for a confusable one: caught / false alarms",
    )
    parser.add_argument(
        "--garbage",
        action="store_true",
        help="also score noise, another sentence and half readings: are they noticed?",
    )
    parser.add_argument(
        "--classroom",
        type=float,
        metavar="SNR",
        help="mix two other learners' speech into every take at SNR dB (classroom noise)",
    )
    parser.add_argument(
        "--json",
        dest="json_out",
        type=Path,
        metavar="OUT",
        help="also write the metrics as a flat JSON object",
    )


def _progress(done: int, total: int) -> None:
    """A bar redrawn in place on a terminal; in a log (not a TTY), a plain line every 50."""
    if sys.stderr.isatty():
        width = 30
        filled = width * done // total
        end = "\n" if done == total else ""
        print(
            f"\rscoring [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )
    elif done == total or done % 50 == 0:
        print(f"scoring {done}/{total}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from tutor.scoring.bench_run import bench_split
    from tutor.scoring.engine import Scorer
    from tutor.scoring.errors import ScoringError
    from tutor.scoring.speechocean import load_split

    try:
        utts = load_split(args.data, args.split)
        if args.speakers:
            keep = {
                s.strip()
                for s in args.speakers.read_text().splitlines()
                if s.strip() and not s.startswith("#")
            }
            utts = [u for u in utts if u.speaker in keep]
            if not utts:
                print(
                    f"error: no utterance of {args.split!r} is by a speaker in {args.speakers}",
                    file=sys.stderr,
                )
                return 2
        utts = utts[: args.limit] if args.limit else utts
        scorer = Scorer.load(args.models, threads=1, warm_up=False)
        result = bench_split(
            scorer, utts, args.data, args.split, substitute=args.substitute,
            garbage=args.garbage, classroom=args.classroom, progress=_progress,
        )  # fmt: skip
    except (ScoringError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, value in result.items():
        shown = f"{value:.3f}" if isinstance(value, float) and not math.isnan(value) else str(value)
        print(f"{key:28s} {shown}")
    if args.json_out:
        flat = {
            k: None if isinstance(v, float) and math.isnan(v) else v for k, v in result.items()
        }  # NaN (a constant label) is not valid JSON
        args.json_out.write_text(json.dumps(flat, indent=2) + "\n")
    return 0
