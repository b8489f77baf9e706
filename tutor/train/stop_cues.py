"""Do a word-final stop's timing cues tell a voiced one from its voiceless pair?

The shipped student misses most swaps of D for T at the end of a word (*could* read
right, the prompt asking for T), where its teacher misses none (``margin_check
--by-pair``). In English a vowel before a voiced final stop is longer and the closure
shorter, so the timing may carry what the student's ear blurs. For every word-final
obstruent of a voicing pair (D/T, Z/S, ...) that follows a vowel in the same word, both
phones rated correct by the experts, this measures on the validation speakers how well
each cue ranks the voiced ones first (AUC): the acoustic model's log-posterior ratio on
the stop's frames, the vowel's and the stop's aligned lengths (each over the reading's
median phone length, so pace drops out), and a logistic fit of all three on the training
speakers. Timing from the audio only: the prompt's word is never a cue.

    python -m tutor.train.stop_cues --data ../shared/data/speechocean762 \\
        assets/models/acoustic.onnx [--teacher runs/t82/teacher]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tutor.scoring.detection import auc
from tutor.scoring.phones import PHONE_INDEX, VOWELS
from tutor.scoring.speechocean import LabelledUtterance, load_split

from .dataset import rated_alignment, valid_speakers
from .margin_check import VOICING_PAIRS, Posteriors, heard_once, model_posteriors

RATED_CORRECT = 1.8  # the substitution check's "correct throughout"
CUES = ("acoustic", "vowel_length", "stop_length")
# each phone of a voicing pair -> (voiced, voiceless)
PAIR_OF: dict[str, tuple[str, str]] = {p: pair for pair in VOICING_PAIRS for p in pair}


@dataclass(frozen=True)
class FinalStop:
    speaker: str
    pair: str  # "D/T": voiced / voiceless
    voiced: bool
    log_ratio: float  # mean log P(voiced) - log P(voiceless) over the stop's frames
    vowel_length: float  # log of the vowel's frames over the reading's median phone
    stop_length: float  # the same for the stop


def final_stops(utts: Sequence[LabelledUtterance], posteriors: Posteriors) -> list[FinalStop]:
    """Every correctly read word-final voicing-pair obstruent after a vowel."""
    found = []
    for u in utts:
        log_post = posteriors(u)
        if log_post is None:
            continue
        try:
            rated = rated_alignment(log_post, u)
        except ValueError:
            continue
        median = float(np.median([max(p.end - p.start, 1) for p, _ in rated]))
        for k in range(1, len(rated)):
            (stop, score), (vowel, vowel_score) = rated[k], rated[k - 1]
            pair = PAIR_OF.get(stop.phone)
            word_end = k + 1 == len(rated) or rated[k + 1][0].word_index != stop.word_index
            if (
                pair is None
                or not word_end
                or vowel.word_index != stop.word_index
                or vowel.phone not in VOWELS
                or min(score, vowel_score) < RATED_CORRECT
            ):
                continue
            frames = log_post[stop.start : max(stop.end, stop.start + 1)]
            if not len(frames):  # a phone squeezed out at the very end of the take
                continue
            voiced, voiceless = pair
            ratio = frames[:, PHONE_INDEX[voiced]] - frames[:, PHONE_INDEX[voiceless]]
            found.append(
                FinalStop(
                    u.speaker,
                    f"{voiced}/{voiceless}",
                    stop.phone == voiced,
                    float(ratio.mean()),
                    float(np.log(max(vowel.end - vowel.start, 1) / median)),
                    float(np.log(max(stop.end - stop.start, 1) / median)),
                )
            )
    return found


def _cues(stops: Sequence[FinalStop]) -> np.ndarray:
    """Each cue oriented so that a higher value points to the voiced phone."""
    return np.array([(s.log_ratio, s.vowel_length, -s.stop_length) for s in stops], float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weights (last: the bias) of an L2-regularised logistic regression."""
    design = np.c_[x, np.ones(len(x))]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.logaddexp(0.0, z).sum() - float(y @ z) + 0.5 * l2 * float(w @ w)
        return value, design.T @ (p - y) + l2 * w

    return np.asarray(minimize(loss, np.zeros(design.shape[1]), jac=True).x)


def cue_aucs(stops: Sequence[FinalStop], held_out: frozenset[str]) -> dict[str, dict]:
    """Per pair with both kinds among the held-out speakers: their counts, each cue's AUC,
    the AUC of the cues combined (fitted on the other speakers) and the voiced stops'
    median log-ratio among the held-out speakers and the others."""
    table = {}
    for pair in sorted({s.pair for s in stops}):
        test = [s for s in stops if s.pair == pair and s.speaker in held_out]
        train = [s for s in stops if s.pair == pair and s.speaker not in held_out]
        y_test = np.array([s.voiced for s in test], bool)
        y_train = np.array([s.voiced for s in train], bool)
        if y_test.all() or not y_test.any() or y_train.all() or not y_train.any():
            continue
        x_test = _cues(test)
        row: dict = {"voiced": int(y_test.sum()), "voiceless": int((~y_test).sum())}
        row |= {cue: auc(x_test[:, j], y_test) for j, cue in enumerate(CUES)}
        # how far the model hears a voiced stop from its pair on new speakers, and on the
        # speakers a student learnt from (a gap there is one of generalisation)
        row["voiced_median_ratio"] = float(np.median(x_test[y_test, 0]))
        row["voiced_median_ratio_others"] = float(np.median(_cues(train)[y_train, 0]))
        w = fit_logistic(_cues(train), y_train.astype(float))
        row["combined"] = auc(np.c_[x_test, np.ones(len(x_test))] @ w, y_test)
        table[pair] = row
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.stop_cues")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("models", type=Path, nargs="*", help="acoustic.onnx files")
    ap.add_argument("--teacher", type=Path, help="whisper_teacher's --out with phones.pt")
    args = ap.parse_args(argv)
    utts = load_split(args.data, "train")
    runs: dict[str, Posteriors] = {str(p): model_posteriors(p) for p in args.models}
    if args.teacher:
        from .teacher_phones import teacher_posteriors

        runs["teacher"] = heard_once(teacher_posteriors(args.teacher))
    for name, posteriors in runs.items():
        table = cue_aucs(final_stops(utts, posteriors), valid_speakers())
        print(json.dumps({"model": name, "pairs": table}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
