"""How well an acoustic model alone tells a swapped sound from the expected one (no heads).

For every swap of the substitution check (:mod:`tutor.scoring.trust_bench`) on the
validation slice, the forced alignment of the swapped text gives each phone its best
confusable competitor's log-posterior margin (:func:`tutor.scoring.substitution.competitors`).
A phone is "caught" when its margin is above the margin that 3 % of the untouched phones
exceed, so models compare at equal false alarms before any head is trained on them. The
Whisper teacher's posteriors can be measured the same way.

    python -m tutor.train.margin_check --data ../shared/data/speechocean762 \\
        runs/kd/acoustic.onnx runs/kdt/acoustic.onnx [--teacher runs/teacher]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tutor.scoring.alignment import force_align
from tutor.scoring.audio import load_audio
from tutor.scoring.features import log_mel
from tutor.scoring.model import AcousticModel
from tutor.scoring.speechocean import LabelledUtterance, load_split
from tutor.scoring.substitution import competitors
from tutor.scoring.trust_bench import swapped_words, swaps_for

from .dataset import valid_speakers

FALSE_ALARMS = 0.03

Posteriors = Callable[[LabelledUtterance], "np.ndarray | None"]


@dataclass(frozen=True)
class MarginCheck:
    swaps: int
    caught: float  # share of swapped phones whose margin beats the untouched 97th percentile
    heard_as: float  # share whose best competitor is the sound really said
    threshold: float


def margin_check(utts: Sequence[LabelledUtterance], posteriors: Posteriors) -> MarginCheck:
    swapped, untouched, named = [], [], []
    for u in utts:
        swaps = swaps_for(u)
        log_post = posteriors(u) if swaps else None
        if log_post is None:
            continue
        for s in swaps:
            at = s.position(u)
            words = [w.variants for w in swapped_words(u, s)]
            for k, c in enumerate(competitors(log_post, force_align(log_post, words))):
                if k == at:
                    swapped.append(c.margin)
                    named.append(c.phone == s.original)
                elif np.isfinite(c.margin):
                    untouched.append(c.margin)
    if not swapped or not untouched:
        return MarginCheck(len(swapped), float("nan"), float("nan"), float("nan"))
    threshold = float(np.quantile(untouched, 1.0 - FALSE_ALARMS))
    caught = float((np.asarray(swapped) > threshold).mean())
    return MarginCheck(len(swapped), caught, float(np.mean(named)), threshold)


def model_posteriors(path: Path) -> Posteriors:
    model = AcousticModel.load(path)

    def run(u: LabelledUtterance) -> np.ndarray:
        return model.log_posteriors(log_mel(load_audio(u.audio).samples, model.features))

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.margin_check")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("models", type=Path, nargs="*", help="acoustic.onnx files")
    ap.add_argument("--teacher", type=Path, help="whisper_teacher's --out with phones.pt")
    ap.add_argument("--limit", type=int, help="only the first N validation utterances")
    args = ap.parse_args(argv)
    keep = valid_speakers()
    utts = [u for u in load_split(args.data, "train") if u.speaker in keep][: args.limit]
    runs: dict[str, Posteriors] = {str(p): model_posteriors(p) for p in args.models}
    if args.teacher:
        from .teacher_phones import teacher_posteriors

        post = teacher_posteriors(args.teacher)
        runs["teacher"] = lambda u: post(u, 1.0)
    for name, posteriors in runs.items():
        print(json.dumps({"model": name, **asdict(margin_check(utts, posteriors))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
