"""The command line of :mod:`tutor.train.whisper_chain` (its options, with their help)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .distil_whisper_args import dilations_arg
from .margin_check import LINE_SHARE

BLEND_WEIGHT = 0.5  # share of the experts'-labels head; the model card has the sweep
CROSS_FIT = 2


def chain_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.whisper_chain")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--models", type=Path, help="models for the first alignments (default: shipped)"
    )
    ap.add_argument("--channels", type=int, default=256)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--dilations", type=dilations_arg, metavar="D,D,..",
                    help="see distil_whisper --dilations")  # fmt: skip
    ap.add_argument("--noisy", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--trusted-labels", type=float, help="see distil_whisper --trusted-labels")
    ap.add_argument("--feature-distil", type=float, default=0.0, help="see distil_whisper")
    ap.add_argument("--vtlp", action="store_true", help="see distil_whisper --vtlp")
    ap.add_argument(
        "--spectral-front", type=int, default=0, metavar="MAPS", help="see distil_whisper"
    )
    ap.add_argument("--n-mels", type=int, metavar="N", help="see distil_whisper --n-mels")
    ap.add_argument("--voicing", action="store_true", help="see distil_whisper --voicing")
    ap.add_argument("--clean-synth", action="store_true", help="see distil_whisper")
    ap.add_argument("--synth-known", nargs="?", const="all", choices=("all", "swaps"),
                    help="see distil_whisper")  # fmt: skip
    ap.add_argument("--swap-weight", type=float, default=1.0, help="see distil_whisper")
    ap.add_argument("--swap-contrast", type=float, default=0.0, help="see distil_whisper")
    ap.add_argument("--synth", type=Path, metavar="MANIFEST",
                    help="these synthetic takes instead of --synth-takes")  # fmt: skip
    ap.add_argument(
        "--plain-folds",
        action="store_true",
        help="the fold students hear the clean corpus only (no classroom copies, no "
        "synthetic takes), as the shipped heads' students did",
    )
    ap.add_argument(
        "--noise-injection",
        type=float,
        default=0.0,
        metavar="S",
        help="add the noise-injection row (tutor.train.noise_reparam --strength S)",
    )
    ap.add_argument(
        "--synth-takes", type=int, default=0, help="synthetic takes the teacher labels too"
    )
    ap.add_argument(
        "--weight", type=float, default=BLEND_WEIGHT, help="share of the experts'-labels head"
    )
    ap.add_argument(
        "--cross-fit",
        type=int,
        default=CROSS_FIT,
        metavar="N",
        help="negatives head on N-fold students (0: on the full student)",
    )
    ap.add_argument(
        "--line-share",
        type=float,
        default=LINE_SHARE,
        help="share of untouched phones over the confusion line (of the 3 %% budget)",
    )
    ap.add_argument(
        "--teacher-cross-fit",
        type=int,
        default=0,
        metavar="N",
        help="distil from N cross-fitted teacher phone models (teacher_phones --cross-fit)",
    )
    ap.add_argument(
        "--experts-cross-fit",
        action="store_true",
        help="the experts'-labels head also learns from the fold students' posteriors",
    )
    ap.add_argument(
        "--rows",
        help="measure only these rows, comma-separated (float, int8, classroom, ...); "
        "default: every row, then the ship rule",
    )
    ap.add_argument(
        "--rated-negatives",
        action="store_true",
        help="the negatives head also learns word and sentence labels for its perturbed "
        "copies (head_negatives --rated)",
    )
    ap.add_argument(
        "--heads-from",
        type=Path,
        metavar="DIR",
        help="pair the student with DIR/head.onnx (a blended head, e.g. the shipped one) "
        "instead of training fold students and heads; DIR's own pair is benched beside it "
        "(the reference row), and --ship-to copies the new pair only if it replaces the "
        "reference (replaces_reference): the head's knee was calibrated on another student",
    )
    ap.add_argument(
        "--refit-knee",
        action="store_true",
        help="with --heads-from: lower the borrowed head's phone knee until this student's "
        "false alarms on the substitution check are under 3%% (the head keeps its blend)",
    )
    ap.add_argument(
        "--teacher-trusted",
        type=float,
        metavar="S",
        help="the teacher's phone models learn no label on phones the experts scored "
        "under S (teacher_phones --trusted)",
    )
    ap.add_argument(
        "--reference",
        type=Path,
        metavar="DIR",
        help="bench DIR's pair beside the new INT8 pair (clean and, with the classroom "
        "rows, through noise) and let --ship-to copy the new pair only if it replaces "
        "that reference (replaces_reference); default: --heads-from, else the pair "
        "--ship-to holds",
    )
    ap.add_argument(
        "--single-pass",
        action="store_true",
        help="the engine scores each take once, at its own speed, instead of averaging the "
        "head's test-time speeds (a third of the acoustic model's time, spent on a wider "
        "student instead); the borrowed head (--heads-from) or the trained heads' blend",
    )
    ap.add_argument("--ship-to", type=Path)
    start = ap.add_argument_group(
        "the student's start and fine-tune (a second draw, or a fine-tune of a finished "
        "student: the fold students keep the defaults, so they never start from one that "
        "heard their speakers)"
    )
    start.add_argument("--seed", type=int, help="see distil_whisper --seed")
    start.add_argument("--init", type=Path, metavar="STUDENT", help="see distil_whisper")
    start.add_argument("--kd-start", type=float, help="see distil_whisper")
    start.add_argument("--kd-end", type=float, help="see distil_whisper")
    start.add_argument("--max-lr", type=float, help="see distil_whisper")
    start.add_argument(
        "--phone-margins", type=float, metavar="W", help="see distil_whisper (this student only)"
    )
    start.add_argument("--phone-margins-mode", choices=("copy", "floor"), help="see distil_whisper")
    return ap
