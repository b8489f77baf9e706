"""``tutor-train``: the model pipeline, from corpus to the ONNX files in ``assets/models``.

    tutor-train all --data ../shared/data/speechocean762 --out runs/full
    tutor-train teacher --data ... --out runs/full     # one stage (earlier stages run if needed)

Every stage checkpoints under ``--out`` and is skipped when already done, so rerunning the
same command resumes an interrupted run. ``--limit N`` makes a tiny run (tests use it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

STAGES = (
    "prepare",
    "align",
    "teacher",
    "student",
    "distil",
    "prune",
    "cluster",
    "int8",
    "head",
    "ship",
)


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
    return p


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
    from .run import Run

    run = Run.from_args(args)
    target = STAGES[-1] if args.stage == "all" else args.stage
    run.until(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
