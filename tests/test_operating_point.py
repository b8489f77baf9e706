"""The decision-rule check: thresholds within the false-alarm budget, judged on speakers
they were not chosen on."""

from __future__ import annotations

import numpy as np

from tutor.train.operating_point import (
    Evidence,
    best_blend,
    best_either,
    cross_fitted,
    threshold_under,
)


def _evidence(seed: int = 0, n: int = 4000) -> Evidence:
    """Untouched phones score high with low margins; swaps either score low or carry a
    high margin, and some do both halfway, which only a blend of the two sees."""
    rng = np.random.default_rng(seed)
    swapped = rng.random(n) < 0.1
    score = np.where(swapped, rng.uniform(0.8, 1.9, n), rng.normal(1.85, 0.12, n))
    margin = np.where(swapped, rng.uniform(-2.0, 6.0, n), rng.normal(-1.0, 1.2, n))
    speaker = np.array([f"s{i % 20}" for i in range(n)])
    return Evidence(score, margin, swapped, speaker)


def test_a_threshold_leaves_at_most_the_budget_under_it() -> None:
    values = np.array([0.5, 1.0, 1.0, 1.5, 2.0])
    assert threshold_under(values, 1) == 1.0  # only 0.5 is under
    assert (values < threshold_under(values, 3)).sum() <= 3
    assert threshold_under(values, 5) == float("inf")


def test_the_fitted_rules_keep_their_false_alarms_and_catch_what_either_threshold_does() -> None:
    ev = _evidence()
    for choose in (best_either, best_blend):
        params, rule = choose(ev, 0.03)
        flagged = rule(ev)
        assert flagged[~ev.swapped].mean() <= 0.03
        assert flagged[ev.swapped].mean() > 0.3, params
    # the score alone at the same budget catches fewer than the pair of thresholds
    alone = ev.score < threshold_under(ev.score[~ev.swapped], int(0.03 * (~ev.swapped).sum()))
    assert best_either(ev, 0.03)[1](ev)[ev.swapped].mean() > alone[ev.swapped].mean()


def test_cross_fitting_measures_each_half_with_the_other_halfs_rule() -> None:
    ev = _evidence(1)
    held_out = cross_fitted(ev, best_either)
    assert len(held_out["fitted"]) == 2
    in_sample = best_either(ev, 0.03)[1](ev)
    # judged on readings it never saw, a rule does no better than on those it was fitted on
    assert held_out["caught"] <= in_sample[ev.swapped].mean() + 0.05
    assert 0.0 < held_out["false_alarms"] < 0.06
