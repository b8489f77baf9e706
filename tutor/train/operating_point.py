"""Is the amber/red decision what limits the swaps caught, or the acoustic model's ear?

The engine flags a phone when its score is under the green line *or* its best confusable
rival's margin is over the head's confusion line (:mod:`tutor.scoring.substitution`): two
thresholds, set one after the other (:mod:`tutor.train.margin_check`,
:mod:`tutor.train.phone_knee`). This measures, on the substitution check's readings, each
phone's score with the line out of reach and its rival margin, and asks how many swaps
other decisions on the same evidence would catch at the same false-alarm ceiling:

- ``either``: the best pair of thresholds (score under ``t`` or margin over ``line``);
- ``blend``: one threshold on the score less ``g`` times the margin over ``m0``.

Each is chosen on half of the slice's speakers and measured on the other half (both ways,
pooled), so a rule is not credited with fitting the readings it is judged on.

    python -m tutor.train.operating_point --data ../shared/data/speechocean762 \\
        --pair assets/models
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.scoring.bands import PHONE_GOOD
from tutor.scoring.engine import Scorer
from tutor.scoring.speechocean import LabelledUtterance, load_split
from tutor.scoring.trust_bench import scored_swaps, swapped_words

from .dataset import valid_speakers
from .export import get_metadata, set_metadata
from .ship_rule import FALSE_ALARMS
from .whisper_chain import MODEL_FILES

OUT_OF_REACH = 1e9  # a confusion line no margin crosses: the head's score alone
LINES = np.round(np.arange(1.0, 8.0001, 0.05), 2)
SLOPES = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
OFFSETS = np.round(np.arange(-3.0, 4.0001, 0.25), 2)


@dataclass(frozen=True)
class Evidence:
    score: np.ndarray  # each phone's score, the confusion line out of reach
    margin: np.ndarray  # its best confusable rival's margin (nats; -inf: it has none)
    swapped: np.ndarray  # whether it is the reading's swapped phone
    speaker: np.ndarray  # who read it

    def part(self, keep: np.ndarray) -> Evidence:
        return Evidence(self.score[keep], self.margin[keep], self.swapped[keep], self.speaker[keep])


def phone_evidence(pair: Path, utts: Sequence[LabelledUtterance]) -> Evidence:
    """Scores and rival margins of every phone of the substitution check's readings of
    ``utts``, through ``pair`` with its head's confusion line out of reach."""
    rows: list[tuple[float, float, bool, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODEL_FILES:
            shutil.copy2(pair / name, Path(tmp) / name)
        set_metadata(Path(tmp) / "head.onnx", {"confusion_line": f"{OUT_OF_REACH:g}"})
        scorer = Scorer.load(Path(tmp), threads=1)
        for scored in scored_swaps(scorer, utts):
            if scored.result is None:
                continue
            utt = scored.utt
            rivals = scorer.rivals(scored.audio, utt.text, words=swapped_words(utt, scored.swap))
            phones = scored.result.phones
            for j, (p, (_, _, rival)) in enumerate(zip(phones, rivals, strict=False)):
                rows.append((p.score, rival.margin, j == scored.offset, utt.speaker))
    score, margin, swapped, speaker = zip(*rows, strict=True) if rows else ((), (), (), ())
    return Evidence(np.array(score, float), np.array(margin, float), np.array(swapped, bool),
                    np.array(speaker, str))  # fmt: skip


Rule = Callable[[Evidence], np.ndarray]  # which phones are flagged


def threshold_under(values: np.ndarray, budget: int) -> float:
    """The highest ``t`` that leaves at most ``budget`` of ``values`` under it."""
    ordered = np.sort(values)
    return float(ordered[budget]) if budget < len(ordered) else float("inf")


def best_either(ev: Evidence, false_alarms: float) -> tuple[dict[str, float], Rule]:
    """The line and score threshold that catch the most swaps in ``ev`` while flagging at
    most ``false_alarms`` of its untouched phones."""
    untouched = ~ev.swapped
    budget = int(false_alarms * untouched.sum())
    best: tuple[float, float, float] = (-1.0, float("inf"), -float("inf"))
    for line in LINES:
        over = ev.margin > line
        left = budget - int((over & untouched).sum())
        if left < 0:
            continue
        t = threshold_under(ev.score[untouched & ~over], left)
        caught = float(((ev.score < t) | over)[ev.swapped].mean())
        best = max(best, (caught, float(line), t))
    _, line, t = best
    return {"line": line, "t": t}, lambda e: (e.score < t) | (e.margin > line)


def best_blend(ev: Evidence, false_alarms: float) -> tuple[dict[str, float], Rule]:
    """The slope, offset and threshold of ``score - g * max(margin - m0, 0) < t`` that
    catch the most swaps in ``ev`` within the false alarms."""
    untouched = ~ev.swapped
    budget = int(false_alarms * untouched.sum())
    best: tuple[float, float, float, float] = (-1.0, 0.0, 0.0, -float("inf"))
    for g in SLOPES:
        for m0 in OFFSETS:
            value = ev.score - g * np.maximum(ev.margin - m0, 0.0)
            t = threshold_under(value[untouched], budget)
            best = max(best, (float((value < t)[ev.swapped].mean()), g, float(m0), t))
    _, g, m0, t = best

    def rule(e: Evidence) -> np.ndarray:
        return (e.score - g * np.maximum(e.margin - m0, 0.0)) < t

    return {"g": g, "m0": m0, "t": t}, rule


def rates(ev: Evidence, flagged: np.ndarray) -> dict[str, float]:
    return {"caught": float(flagged[ev.swapped].mean()),
            "false_alarms": float(flagged[~ev.swapped].mean())}  # fmt: skip


def cross_fitted(
    ev: Evidence,
    choose: Callable[[Evidence, float], tuple[dict[str, float], Rule]],
    false_alarms: float = FALSE_ALARMS,
) -> dict[str, object]:
    """``choose``'s rule fitted on each half of the speakers and measured on the other,
    pooled: swaps caught and false alarms on readings the rule never saw."""
    speakers = sorted(set(ev.speaker.tolist()))
    first = np.isin(ev.speaker, speakers[::2])
    flagged = np.zeros(len(ev.score), bool)
    fitted = []
    for fit in (first, ~first):
        params, rule = choose(ev.part(fit), false_alarms)
        flagged[~fit] = rule(ev.part(~fit))
        fitted.append(params)
    return {**rates(ev, flagged), "fitted": fitted}


def report(ev: Evidence, line: float) -> dict[str, object]:
    return {
        "phones": int(len(ev.score)),
        "swaps": int(ev.swapped.sum()),
        "as_shipped": rates(ev, (ev.score < PHONE_GOOD) | (ev.margin > line)),
        "either": cross_fitted(ev, best_either),
        "blend": cross_fitted(ev, best_blend),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--pair", type=Path, required=True, help="a folder with the two models")
    args = ap.parse_args(argv)
    keep = set(valid_speakers())
    valid = [u for u in load_split(args.data, "train") if u.speaker in keep]
    line = float(get_metadata(args.pair / "head.onnx").get("confusion_line", "inf"))
    print(json.dumps(report(phone_evidence(args.pair, valid), line), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
