"""Error-detection figures, the confusion table, the bands and the early-stop alignment:
small known cases (no model needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutor.scoring.alignment import force_align, said_words
from tutor.scoring.bands import PHONE_GOOD, Band, needs_work, phone_band
from tutor.scoring.confusions import CONFUSIONS, confusable
from tutor.scoring.detection import auc, human_f1, precision_recall_f1
from tutor.scoring.phones import CMU_PHONES, PHONE_INDEX, PHONE_SET


def test_precision_recall_f1_on_a_known_case() -> None:
    p, r, f = precision_recall_f1([True, True, False, False], [True, False, True, False])
    assert (p, r) == (0.5, 0.5) and f == pytest.approx(0.5)
    assert math.isnan(precision_recall_f1([False, False], [True, False])[0])


def test_auc_ranks_and_ties() -> None:
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    assert math.isnan(auc([0.1, 0.2], [True, True]))


def test_human_reference_is_each_expert_against_the_others() -> None:
    # three experts agree everywhere: F1 is 1; one dissenter lowers it
    agree = np.array([[0, 2, 2, 1], [0, 2, 2, 1], [0, 2, 2, 1]], dtype=np.float32)
    assert human_f1([agree], 1.5) == pytest.approx(1.0)
    dissent = agree.copy()
    dissent[2] = [2, 2, 2, 2]
    assert human_f1([dissent], 1.5) < 1.0


def test_every_phone_has_a_confusion_and_the_lessons_pairs_are_there() -> None:
    assert set(CONFUSIONS) == set(CMU_PHONES)
    for a, b in [("TH", "S"), ("TH", "F"), ("TH", "T"), ("DH", "D"), ("DH", "Z"), ("V", "W"),
                 ("V", "B"), ("R", "L"), ("IY", "IH"), ("AE", "EH"), ("UW", "UH"),
                 ("N", "NG"), ("S", "SH"), ("S", "Z"), ("CH", "SH"), ("P", "B")]:  # fmt: skip
        assert b in confusable(a) and a in confusable(b)
    assert all(p not in confusable(p) for p in CMU_PHONES)


def test_needs_work_is_the_amber_and_red_bands() -> None:
    assert not needs_work(PHONE_GOOD) and needs_work(PHONE_GOOD - 0.01)
    assert phone_band(0.1) is Band.POOR and needs_work(0.1)


def _posteriors(frames: list[str]) -> np.ndarray:
    """Log posteriors that put 0.9 on the named phone of each frame."""
    lp = np.full((len(frames), len(PHONE_SET)), np.log(0.1 / (len(PHONE_SET) - 1)))
    for t, p in enumerate(frames):
        lp[t, PHONE_INDEX[p]] = np.log(0.9)
    return lp


WORDS = [[("S", "IY")], [("DH", "EH", "M")], [("N", "AW")], [("AH", "G", "EH", "N")]]
# "see them now again"


def test_a_reading_that_stops_early_leaves_the_unsaid_words_out() -> None:
    said = ["SIL"] * 5 + ["S"] * 4 + ["IY"] * 6 + ["DH"] * 3 + ["EH"] * 5 + ["M"] * 4
    lp = _posteriors(said + ["SIL"] * 6)
    ali = force_align(lp, WORDS, stop_penalty=12.0)
    assert said_words(ali, 4) == (True, True, False, False)
    # without the early stop every word is forced in
    assert said_words(force_align(lp, WORDS), 4) == (True, True, True, True)


def test_a_whole_reading_keeps_every_word() -> None:
    said = ["S"] * 4 + ["IY"] * 6 + ["DH"] * 3 + ["EH"] * 5 + ["M"] * 4 + ["N"] * 4 + ["AW"] * 6
    again = ["AH"] * 3 + ["G"] * 3 + ["EH"] * 4 + ["N"] * 4
    lp = _posteriors(["SIL"] * 4 + said + again + ["SIL"] * 4)
    assert said_words(force_align(lp, WORDS, stop_penalty=12.0), 4) == (True,) * 4


def test_prompt_thresholds_come_from_the_model_or_the_defaults() -> None:
    from tutor.scoring.errors import ModelError
    from tutor.scoring.prompt_check import PromptThresholds

    assert PromptThresholds.from_metadata({}) == PromptThresholds()
    own = PromptThresholds.from_metadata({"prompt_check": '{"min_prompt_match": -2.8}'})
    assert own.min_prompt_match == -2.8 and own.stop_penalty == PromptThresholds().stop_penalty
    for bad in ('{"no_such_limit": 1}', "[1, 2]", "not json"):
        with pytest.raises(ModelError, match="prompt_check"):
            PromptThresholds.from_metadata({"prompt_check": bad})


def test_a_confusable_sound_costs_the_prompt_match_nothing_another_sound_does() -> None:
    from tutor.scoring.gop import PHONE_FEATURES, GopFeatures
    from tutor.scoring.prompt_check import GOP_MAX, prompt_match
    from tutor.scoring.substitution import Competitor

    features = np.zeros((4, len(PHONE_FEATURES)), np.float32)
    features[0, GOP_MAX] = -8.0  # V of "very" said as W: far below the best phone
    gop = GopFeatures(features, np.zeros(4, np.int64), np.zeros(4, np.int64),
                      np.zeros(1, np.float32), ("W", "EH", "R", "IY"), np.zeros(4))  # fmt: skip
    quiet = [Competitor("", float("-inf"))] * 3
    assert prompt_match(gop, [Competitor("W", 8.0), *quiet]) == 0.0
    assert prompt_match(gop, [Competitor("W", 3.0), *quiet]) == pytest.approx(-5.0 / 4)
    # no confusable sound explains it (or it is heard below the expected phone): full cost
    assert prompt_match(gop, [Competitor("B", -1.0), *quiet]) == pytest.approx(-8.0 / 4)
