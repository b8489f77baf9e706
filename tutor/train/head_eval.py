"""Measure an acoustic checkpoint the way the pipeline's table does: GOP features from it,
the fixed head recipe, validation metrics. For comparing experiments (e.g. a student
trained with ``--synth``) with a table row without running the whole pipeline.

    python -m tutor.train.head_eval runs/synth/student/model.pt \\
        --data ../shared/data/speechocean762 --cache runs/full
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .dataset import FeatureCache
from .head import HeadSettings, train_head
from .models import STUDENT, TEACHER
from .pipeline import PipelineConfig, head_samples, load_net, posteriors_fn


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tutor.train.head_eval", description=__doc__)
    p.add_argument("checkpoint", type=Path, help="model.pt of a student (or --teacher)")
    p.add_argument("--data", type=Path, required=True, help="speechocean762 folder")
    p.add_argument("--cache", type=Path, required=True, help="a run folder with prepare/")
    p.add_argument("--teacher", action="store_true", help="the checkpoint is a teacher")
    args = p.parse_args(argv)
    if not args.checkpoint.is_file() or not (args.cache / "prepare").is_dir():
        p.error("the checkpoint or the run's prepare/ folder is missing")
    cfg = PipelineConfig(data=args.data, out=args.cache)
    cache = FeatureCache.load(args.cache / "prepare")
    net = load_net(args.checkpoint, TEACHER if args.teacher else STUDENT)
    train_s, valid_s = head_samples(cfg, args.checkpoint.parent.name, cache,
                                    posteriors_fn(net, cache))  # fmt: skip
    _, metrics = train_head(train_s, valid_s, HeadSettings())
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
