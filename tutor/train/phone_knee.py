"""Choose the phone score's green line for a new acoustic model and head, on validation.

The heads run low on speakers they never heard, so the shipped phone score goes through a
knee calibration (:func:`tutor.train.head_mix.blend`): the raw score ``knee`` becomes the
green line. The knee is the highest raw score at which at most ``false_alarms`` of the
untouched phones in ``tutor bench --substitute``'s swapped readings turn amber/red: every
swap caught beyond that would cost more false alarms than the trust target allows.

The engine averages the head's (calibrated) scores over its test-time speeds, and the
calibration is concave below the knee, so a knee chosen on un-calibrated scores lets a few
more phones under the line than planned: :func:`refine_knee` lowers it from the
calibrated scores until the false alarms are under the ceiling, and :func:`raise_knee`
lifts a knee that leaves part of the budget unspent (a head borrowed by a new student).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.scoring.bands import PHONE_GOOD as GREEN
from tutor.scoring.engine import Scorer
from tutor.scoring.speechocean import LabelledUtterance
from tutor.scoring.trust_bench import scored_swaps


@dataclass(frozen=True)
class Knee:
    knee: float
    caught: float  # share of swapped phones under the knee
    false_alarms: float  # share of untouched phones under the knee


def raw_scores(scorer: Scorer, utts: Sequence[LabelledUtterance]) -> tuple[np.ndarray, np.ndarray]:
    """Phone scores of the swapped phones and of the untouched ones (scorer un-calibrated)."""
    swapped: list[float] = []
    untouched: list[float] = []
    for scored in scored_swaps(scorer, utts):
        if scored.result is None:
            continue
        for j, p in enumerate(scored.result.phones):
            (swapped if j == scored.offset else untouched).append(p.score)
    return np.array(swapped), np.array(untouched)


def choose_knee(swapped: np.ndarray, untouched: np.ndarray, false_alarms: float) -> Knee:
    if not len(swapped) or not len(untouched):
        raise ValueError("no substitution readings to calibrate on")
    knee = float(np.quantile(untouched, false_alarms, method="lower"))
    knee = math.floor(min(max(knee, 0.05), 1.95) * 100) / 100  # down: never more alarms
    return Knee(knee, float((swapped < knee).mean()), float((untouched < knee).mean()))


def refine_knee(knee: float, untouched: np.ndarray, false_alarms: float) -> float:
    """A lower knee when the calibrated scores of the untouched phones (``untouched``,
    green line 1.5) still raise more false alarms than ``false_alarms``: the phone at the
    ceiling's quantile, scored ``t``, came from about ``t * knee / 1.5`` before the
    calibration, which becomes the new knee."""
    if not len(untouched) or (untouched < GREEN).mean() <= false_alarms:
        return knee
    t = float(np.quantile(untouched, false_alarms, method="lower"))
    return math.floor(min(knee - 0.01, t * knee / GREEN) * 100) / 100


MAX_KNEE = 1.95
SEARCH = "both ways"  # recorded with a cached knee: one found by the old search is redone


def raise_knee(knee: float, untouched: np.ndarray, false_alarms: float) -> float:
    """A higher knee when the calibrated scores of the untouched phones raise fewer false
    alarms than ``false_alarms``: the phone at the ceiling's quantile, scored ``t`` over the
    line, came from about ``knee + (t - 1.5) * (2 - knee) / 0.5`` (the calibration is
    linear above the knee), which becomes the new knee."""
    if not len(untouched) or (untouched < GREEN).mean() > false_alarms:
        return knee
    t = float(np.quantile(untouched, false_alarms, method="lower"))
    value = knee + (t - GREEN) * (2.0 - knee) / (2.0 - GREEN)
    return min(max(math.floor(value * 100) / 100, round(knee + 0.01, 2)), MAX_KNEE)


def _next_knee(measured: list[Knee], last: np.ndarray, false_alarms: float) -> float | None:
    """The next knee to measure: on the line through the last two measurements (a secant:
    the false alarms grow with the knee), else :func:`refine_knee`'s step down (or
    :func:`raise_knee`'s up) from the last (``last``: its calibrated untouched scores);
    kept inside the bracket of the highest knee under the ceiling and the lowest over it.
    None when the bracket is closed."""
    top = max((k.knee for k in measured if k.false_alarms <= false_alarms), default=0.04)
    bottom = min(
        (k.knee for k in measured if k.false_alarms > false_alarms), default=MAX_KNEE + 0.01
    )
    step = raise_knee if measured[-1].false_alarms <= false_alarms else refine_knee
    value = step(measured[-1].knee, last, false_alarms)
    if len(measured) > 1:
        (k1, fa1), (k2, fa2) = ((k.knee, k.false_alarms) for k in measured[-2:])
        if (fa1 - fa2) * (k1 - k2) > 0:
            value = k2 + (false_alarms - fa2) * (k1 - k2) / (fa1 - fa2)
    value = min(max(round(value, 2), round(top + 0.01, 2)), round(bottom - 0.01, 2))
    return value if top < value < bottom else None


def refined_knee(
    value: float,
    apply: Callable[[float], None],
    pair: Callable[[], Path],
    utts: Sequence[LabelledUtterance],
    false_alarms: float,
    rounds: int = 8,
) -> Knee:
    """The highest knee whose false alarms, measured through the engine on the folder
    ``pair()`` returns with the knee in place (``apply`` writes it into the head), are under
    ``false_alarms``, searched from ``value`` (down when it is over the ceiling, up when it
    is under: stop 38) in at most ``rounds`` measurements (:func:`_next_knee`; stop 37: the
    calibrated step alone moved about 0.05 a round where the amber cap holds the false
    alarms up, and stopped over the ceiling). That knee is left applied; when none gets
    there, the lowest tried, and it is said on stderr."""
    measured: list[Knee] = []
    for _ in range(rounds):
        apply(value)
        swapped, untouched = raw_scores(Scorer.load(pair(), threads=1), utts)
        knee = Knee(value, float((swapped < GREEN).mean()), float((untouched < GREEN).mean()))
        print(f"[chain] knee {knee.knee}: caught {knee.caught:.3f}, false alarms "
              f"{knee.false_alarms:.3f}", file=sys.stderr)  # fmt: skip
        measured.append(knee)
        following = _next_knee(measured, untouched, false_alarms)
        if following is None:
            break
        value = following
    under = [k for k in measured if k.false_alarms <= false_alarms]
    if not under:
        print(f"[chain] the knee did not bring the false alarms under {false_alarms:.0%} in "
              f"{rounds} rounds", file=sys.stderr)  # fmt: skip
        return min(measured, key=lambda k: k.knee)
    best = max(under, key=lambda k: k.knee)
    if best.knee != measured[-1].knee:
        apply(best.knee)
    return best
