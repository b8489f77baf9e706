"""Text-perturbation negatives: what a swapped phone's word and sentence are labelled."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tutor.scoring.speechocean import LabelledUtterance, LabelledWord
from tutor.train.head_negatives import WrongSoundCosts, perturb, wrong_sound_costs


def _word(text: str, phones: str, scores: tuple[float, ...], accuracy: float) -> LabelledWord:
    return LabelledWord(text, tuple(phones.split()), scores, accuracy, 10.0, accuracy)


def _utt(words: tuple[LabelledWord, ...], accuracy: float, uid: str = "u") -> LabelledUtterance:
    return LabelledUtterance(uid, "s", Path("x.flac"), " ".join(w.text for w in words), words,
                             accuracy, 9.0, 9.0, 10.0, accuracy)  # fmt: skip


CLEAN_THINK = _word("think", "TH IH1 NG K", (2.0, 2.0, 2.0, 2.0), 10.0)
CLEAN_VERY = _word("very", "V EH1 R IY0", (2.0, 2.0, 2.0, 2.0), 10.0)


def test_wrong_sound_costs_come_from_the_experts_scores() -> None:
    sink = _word("think", "TH IH1 NG K", (0.0, 2.0, 2.0, 2.0), 4.0)  # one wrong, rest clean
    wery = _word("very", "V EH1 R IY0", (0.4, 1.9, 2.0, 2.0), 3.0)
    mixed = _word("very", "V EH1 R IY0", (0.0, 0.0, 2.0, 2.0), 1.0)  # two wrong: not counted
    utts = [
        _utt((CLEAN_THINK, CLEAN_VERY), 9.0),
        _utt((sink, CLEAN_VERY), 6.0),
        _utt((sink, wery), 3.0),
        _utt((CLEAN_THINK, mixed), 6.0),
    ]
    costs = wrong_sound_costs(utts)
    assert costs.word_accuracy == pytest.approx(np.mean([4.0, 4.0, 3.0]))
    assert costs.sentence_accuracy_slope == pytest.approx(6.0)  # 9 -> 6 -> 3 as share 0 -> 1
    with pytest.raises(ValueError, match="too few"):
        wrong_sound_costs([_utt((CLEAN_THINK,), 9.0)])


def test_rated_negatives_label_the_swapped_word_and_the_sentence() -> None:
    utt = _utt((CLEAN_THINK, CLEAN_VERY), 9.0)
    costs = WrongSoundCosts(4.0, 5.0, 6.0, 8.0)
    unrated = perturb(utt, np.random.default_rng(0), 1)
    rated = perturb(utt, np.random.default_rng(0), 1, costs)
    assert unrated is not None and rated is not None
    swapped = [k for k, w in enumerate(rated.words) if 0.0 in w.phone_scores]
    assert len(swapped) == 1
    k = swapped[0]
    assert rated.words[k].phones != utt.words[k].phones  # a confusable sound in its place
    assert (rated.words[k].accuracy, rated.words[k].total) == (4.0, 5.0)
    assert math.isnan(rated.words[1 - k].accuracy)  # the untouched word is not re-rated
    assert rated.accuracy == pytest.approx(9.0 - 6.0 * 0.5)
    assert rated.total == pytest.approx(9.0 - 8.0 * 0.5)
    assert math.isnan(rated.fluency) and math.isnan(rated.prosodic)
    assert math.isnan(unrated.words[k].accuracy) and math.isnan(unrated.accuracy)
    assert unrated.words[k].phones == rated.words[k].phones  # same swap, only the labels differ
