"""One benchmark run over a split: the correlations, then the optional trust checks and
classroom noise, as ``tutor bench`` prints them (the training chain measures with it too)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .audio import Audio
from .bench import BENCH_KEYS, GARBAGE_KEYS, SUBSTITUTE_KEYS, metrics, run_bench
from .classroom_noise import classroom_take
from .engine import Scorer
from .speechocean import LabelledUtterance, load_expert_phone_scores
from .trust_bench import garbage_metrics, substitution_metrics


def bench_split(
    scorer: Scorer,
    utts: list[LabelledUtterance],
    data: Path,
    split: str,
    *,
    substitute: bool = False,
    garbage: bool = False,
    classroom: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float | int]:
    """The figures, keyed and ordered as the bench's contract has them. ``classroom``
    mixes two other learners' speech into every take of the correlation run at that SNR."""
    noisy = None
    if classroom is not None:
        snr = classroom

        def noisy(utt: LabelledUtterance, audio: Audio) -> Audio:
            return classroom_take(utt, audio, utts, snr)

    records = run_bench(scorer, utts, progress, noisy)
    result = metrics(records, scorer.model_bytes, load_expert_phone_scores(data, split))
    keys = list(BENCH_KEYS)
    if substitute:
        result.update(substitution_metrics(scorer, utts, progress))
        keys += SUBSTITUTE_KEYS
    if garbage:
        result.update(garbage_metrics(scorer, utts, progress))
        keys += GARBAGE_KEYS
    return {k: result[k] for k in keys}
