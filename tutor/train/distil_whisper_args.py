"""The command line of :mod:`tutor.train.distil_whisper` (its options, with their help)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .dataset import parse_fold
from .distil_examples import KNOWN_MODES
from .distil_losses import SWAP_MARGIN
from .models import STUDENT, parse_dilations
from .soup import soup_ingredient

TRAINING_ONLY = ("epochs", "kd_start", "kd_end", "init", "max_lr", "swap_contrast",
                 "synth_confusion", "kd_temperature", "confusion_margin", "margin_distil",
                 "phone_margins", "phone_margins_mode",
                 "spec_augment", "feature_distil", "vtlp")  # fmt: skip


def _soup_ingredients(text: str) -> list[tuple[Path, float]]:
    try:
        return [soup_ingredient(c) for c in text.split(",")]
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def dilations_arg(text: str) -> tuple[int, ...]:
    """:func:`parse_dilations` for argparse: its message, not argparse's generic one."""
    try:
        return parse_dilations(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.distil_whisper")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--kd-start", type=float, default=0.9)
    ap.add_argument("--kd-end", type=float, default=0.5)
    ap.add_argument("--limit", type=int, help="only the first N utterances (a quick try)")
    ap.add_argument("--channels", type=int, default=STUDENT.channels, help="student width")
    ap.add_argument("--blocks", type=int, default=STUDENT.blocks, help="student depth")
    ap.add_argument(
        "--dilations",
        type=dilations_arg,
        default=STUDENT.dilations,
        metavar="D,D,..",
        help="the blocks' dilations, repeated over the depth (the receptive field: 1 + "
        "(kernel - 1) x their sum over the blocks, in 20 ms frames)",
    )
    ap.add_argument(
        "--noisy", type=float, default=0.0, help="share of examples heard through classroom noise"
    )
    ap.add_argument(
        "--synth-known",
        nargs="?",
        const="all",
        choices=KNOWN_MODES,
        help="the synthetic takes learn the phones each engine was told to say, not the "
        "teacher's posteriors (all: every frame; swaps: only the phones said in place of "
        "the prompt's)",
    )
    ap.add_argument(
        "--swap-weight",
        type=float,
        default=1.0,
        help="with --synth-known swaps: how much a swapped phone's frames count in the loss",
    )
    ap.add_argument(
        "--swap-contrast",
        type=float,
        default=0.0,
        metavar="W",
        help="with --synth-known swaps: weight of a hinge that puts each swapped phone's "
        f"said sound {SWAP_MARGIN:g} nats ahead of the prompt's phone",
    )
    ap.add_argument("--init", type=Path, help="start from a finished student (ckpt.pt or .onnx)")
    ap.add_argument(
        "--soup",
        type=_soup_ingredients,
        metavar="CKPT[:W],CKPT[:W]",
        help="train nothing: average these finished students' ckpt.pt (one start, other "
        "draws; each by its weight W, default 1) and re-measure the batch-norm statistics",
    )
    ap.add_argument(
        "--kd-temperature",
        type=float,
        default=1.0,
        metavar="T",
        help="soften the corpus takes' teacher targets and the student's logits by T "
        "(Hinton's distillation; the synthetic takes stay at 1)",
    )
    ap.add_argument("--max-lr", type=float, default=2e-3, help="the one-cycle schedule's peak")
    ap.add_argument(
        "--clean-synth",
        action="store_true",
        help="synthetic takes are never heard through the classroom (--noisy copies only "
        "corpus recordings)",
    )
    ap.add_argument(
        "--self-distil",
        type=int,
        default=0,
        metavar="EPOCHS",
        help="then this many epochs of self-distillation (the student teaches itself)",
    )
    ap.add_argument(
        "--confusion-margin",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of the hinge that keeps each phone ahead of its confusable sounds",
    )
    ap.add_argument(
        "--margin-distil",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of a loss that copies the teacher's log-odds of its top phone over "
        "each confusable sound (the margins the engine reads)",
    )
    ap.add_argument(
        "--phone-margins",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of a loss that copies the teacher's log-odds of each aligned phone over "
        "each confusable sound, averaged over the phone's frames as the engine reads them",
    )
    ap.add_argument(
        "--phone-margins-mode",
        choices=("copy", "floor"),
        default="copy",
        help="with --phone-margins: copy the teacher's margins both ways, or only lift the "
        "student's to them (floor: the teacher's doubt is never copied)",
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the draw: initial weights, batch order and classroom copies (a second student "
        "of one recipe tells a change from the draw-to-draw spread)",
    )
    ap.add_argument(
        "--synth-confusion",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of the same hinge on the synthetic takes' phones said as told (the "
        "other direction of --swap-contrast)",
    )
    ap.add_argument(
        "--trusted-labels",
        type=float,
        metavar="S",
        help="hard labels only on phones the experts scored at least S (0-2)",
    )
    ap.add_argument(
        "--synth",
        type=Path,
        metavar="MANIFEST",
        help="also learn from this tutor.train.synth manifest's takes (teacher-labelled, "
        "hard labels = the phones spoken)",
    )
    ap.add_argument(
        "--context", action="store_true", help="whole-take channel gates in every block"
    )
    ap.add_argument(
        "--spectral-front",
        type=int,
        default=0,
        metavar="MAPS",
        help="a 2-D convolution front of MAPS maps over mel bands x frames",
    )
    ap.add_argument(
        "--spec-augment", action="store_true", help="mask mel bands and time spans each epoch"
    )
    ap.add_argument(
        "--leave-out",
        type=parse_fold,
        metavar="K/N",
        help="leave out the training speakers of cross-fitting fold K of N",
    )
    ap.add_argument(
        "--feature-distil",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of a loss that has the student's last block predict the teacher's "
        "hidden layer (DistilHuBERT-style feature distillation)",
    )
    ap.add_argument(
        "--n-mels",
        type=int,
        metavar="N",
        help="the student hears N mel bands (the aligning model's count if not given); "
        "its features are computed afresh from each take",
    )
    ap.add_argument(
        "--voicing",
        action="store_true",
        help="the student also hears each frame's periodicity and pitch "
        "(tutor.scoring.features.voicing_features), computed afresh from each take",
    )
    ap.add_argument(
        "--vtlp",
        action="store_true",
        help="stretch every example's spectrum by a fresh factor each epoch (VTLP)",
    )
    return ap


def soup_ignores(ap: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The training options given with ``--soup``, which trains nothing."""
    if not args.soup:
        return []
    return [
        "--" + d.replace("_", "-") for d in TRAINING_ONLY if getattr(args, d) != ap.get_default(d)
    ]
