"""Error-detection figures (mispronunciation detection and diagnosis, MDD): does the
engine's "needs work" find the phones the experts found wrong?"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def precision_recall_f1(
    predicted: Iterable[bool], actual: Iterable[bool]
) -> tuple[float, float, float]:
    p, a = np.asarray(list(predicted), bool), np.asarray(list(actual), bool)
    hits = float((p & a).sum())
    precision = hits / p.sum() if p.sum() else float("nan")
    recall = hits / a.sum() if a.sum() else float("nan")
    if not (precision + recall) or np.isnan(precision) or np.isnan(recall):
        return precision, recall, float("nan")
    return precision, recall, 2 * precision * recall / (precision + recall)


def auc(scores: Iterable[float], positive: Iterable[bool]) -> float:
    """Area under the ROC curve of ``scores`` ranking the positives first (ties count
    half): the chance that a random positive outranks a random negative."""
    s, y = np.asarray(list(scores), float), np.asarray(list(positive), bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks over ties
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def human_f1(expert_scores: Iterable[np.ndarray], needs_work_below: float) -> float:
    """The human reference: each expert's "needs work" (own score under the line) against
    the mean of the other experts, F1 averaged over the experts."""
    mats = [m for m in expert_scores if m.ndim == 2 and m.shape[0] >= 2]
    if not mats:
        return float("nan")
    n_experts = min(m.shape[0] for m in mats)
    f1s = []
    for e in range(n_experts):
        own = np.concatenate([m[e] for m in mats])
        rest = np.concatenate([np.delete(m[:n_experts], e, axis=0).mean(axis=0) for m in mats])
        f1s.append(precision_recall_f1(own < needs_work_below, rest < needs_work_below)[2])
    return float(np.nanmean(f1s))
