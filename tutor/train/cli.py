"""``tutor-train``: the model pipeline, from corpus to the ONNX files in ``assets/models``.

    tutor-train all --data ../shared/data/speechocean762 --out runs/full
    tutor-train teacher --data ... --out runs/full     # one stage (earlier stages run if needed)
    tutor-train all --data ... --out runs/synth --synth ../cache/synth/manifest.jsonl

Every stage checkpoints under ``--out`` and is skipped when already done, so rerunning the
same command resumes an interrupted run. ``--limit N`` makes a tiny run (tests use it).
``--synth`` adds synthetic TTS speech (tutor.train.synth) with its exact phone timings to
the acoustic training stages (teacher onwards); validation stays on real speech.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .stages import STAGES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tutor-train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("stage", choices=(*STAGES, "all"), help="stage to run (with what it needs)")
    p.add_argument("--data", type=Path, required=True, help="speechocean762 folder")
    p.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, reports)")
    p.add_argument("--limit", type=int, help="use only the first N utterances (a tiny run)")
    p.add_argument("--epochs", type=float, default=1.0, help="scale every stage's epochs")
    p.add_argument("--tiny", action="store_true", help="tiny models (tests)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ship-to", type=Path, help="copy the chosen models here (ship stage)")
    p.add_argument(
        "--latency-budget",
        type=float,
        metavar="MS",
        help="p50 milliseconds per utterance a shipped variant may take "
        "(default 50; none with --tiny, whose models say nothing about speed)",
    )
    p.add_argument(
        "--synth",
        type=Path,
        metavar="MANIFEST",
        help="also train on this synthetic speech (manifest.jsonl from tutor.train.synth)",
    )
    p.add_argument(
        "--synth-share",
        type=_share,
        default=0.3,
        help="most of each epoch's training frames synthetic speech may take (default 0.3)",
    )
    p.add_argument(
        "--synth-copies",
        type=int,
        choices=range(0, 6),
        default=1,
        metavar="N",
        help="mildly augmented copies per synthetic utterance, 0-5 (default 1)",
    )
    p.add_argument(
        "--compress-from",
        choices=("distil", "student"),
        default="distil",
        help="the model that pruning, clustering and INT8 start from (default distil)",
    )
    return p


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import torch
    except ImportError:
        print(
            "error: the training pipeline needs the [train] extra: pip install -e .[train]",
            file=sys.stderr,
        )
        return 2
    torch.set_num_threads(args.threads)
    from tutor.scoring.speechocean import CorpusError, load_split

    from .run import Run
    from .synth_data import SynthDataError

    if args.synth is not None and not args.synth.is_file():
        print(f"error: synthetic speech manifest not found: {args.synth}", file=sys.stderr)
        return 2
    try:  # before anything is written under --out
        load_split(args.data, "train")
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run = Run.from_args(args)
    if (error := run.compression_mismatch()) is not None:
        print(f"error: {error}", file=sys.stderr)
        return 2
    target = STAGES[-1] if args.stage == "all" else args.stage
    try:
        run.until(target)
    except (SynthDataError, CorpusError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if target == "ship" and args.ship_to is not None and run.shipped is None:
        print(
            f"error: nothing shipped to {args.ship_to}: no variant fits the budgets "
            f"(see {args.out / 'table.md'}; --latency-budget sets the time budget)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
