"""The acoustic models' own margin check (no heads), on a tiny espeak-ng corpus."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from corpus_helpers import make_tiny_corpus

from tutor.scoring.speechocean import load_split
from tutor.train.margin_check import confusion_line, main, margin_check, model_posteriors


def test_margin_check_counts_swaps_and_compares_at_equal_false_alarms(
    tmp_path: Path, scoring_models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_tiny_corpus(tmp_path, split="train", n=8)
    # the tiny corpus labels an error in most takes; rate every phone correct so it swaps
    utts = [
        replace(u, words=tuple(replace(w, phone_scores=(2.0,) * len(w.phones)) for w in u.words))
        for u in load_split(corpus, "train")
    ]
    result = margin_check(utts, model_posteriors(scoring_models / "acoustic.onnx"))
    assert result.swaps > 0
    assert 0.0 <= result.caught <= 1.0 and 0.0 <= result.heard_as <= 1.0
    # a model that hears nothing cannot tell a swap from the expected sound
    flat = margin_check(utts, lambda u: None)
    assert flat.swaps == 0
    assert main(["--data", str(corpus), str(scoring_models / "acoustic.onnx")]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["model"].endswith("acoustic.onnx") and set(line) >= {"caught", "swaps"}


def test_the_confusion_line_leaves_the_given_share_of_untouched_phones_over_it() -> None:
    import numpy as np

    untouched = np.linspace(-5.0, 5.0, 1001)
    line = confusion_line(untouched, 0.015)
    assert (untouched > line).mean() <= 0.015 < (untouched > line - 0.05).mean()
    assert confusion_line(untouched, 0.015) == round(line, 2)  # rounded to 0.01 nats
    with pytest.raises(ValueError):
        confusion_line(np.array([]))


def test_swaps_are_counted_per_confusion_class_at_the_models_own_line() -> None:
    import numpy as np

    from tutor.train.margin_check import Margins, caught_by_class, caught_by_pair, confusion_class

    assert confusion_class("IY", "IH") == "vowels"
    assert confusion_class("TH", "S") == confusion_class("D", "DH") == "TH/DH"
    assert confusion_class("T", "D") == confusion_class("Z", "S") == "voicing"
    assert confusion_class("R", "L") == "other consonants"
    untouched = np.linspace(0.0, 1.0, 101)  # the 3 % line sits at 0.97
    m = Margins(
        swapped=np.array([2.0, 0.5, 2.0, 2.0]),
        untouched=untouched,
        named=np.ones(4, bool),
        pairs=np.array(["IY>IH", "IY>IH", "S>TH", "D>T"]),
    )
    assert caught_by_class(m) == {"TH/DH": (1, 1.0), "voicing": (1, 1.0), "vowels": (2, 0.5)}
    assert list(caught_by_pair(m).items()) == [
        ("IY>IH", (2, 0.5)), ("D>T", (1, 1.0)), ("S>TH", (1, 1.0))
    ]  # fmt: skip


def test_a_realigned_margin_judges_the_rival_over_the_frames_it_was_said_in() -> None:
    """The learner said S for TH in "a TH IH": S holds 6 frames, where the model finds
    the neighbouring vowels likelier than TH, so the expected phones' alignment gives TH
    only 3 of them and the vowels the rest. Re-aligned with S in its place, the rival
    takes all six frames, and its margin (the gain per expected frame) is larger."""
    import numpy as np

    from tutor.scoring.alignment import force_align
    from tutor.scoring.confusions import confusable
    from tutor.scoring.phones import PHONE_INDEX, PHONE_SET
    from tutor.scoring.substitution import competitors
    from tutor.train.realigned_margin import realigned_competitors

    said = ["AH"] * 6 + ["S"] * 6 + ["IH"] * 6
    log_post = np.full((len(said), len(PHONE_SET)), np.log(0.01 / (len(PHONE_SET) - 1)))
    for t, phone in enumerate(said):
        log_post[t, PHONE_INDEX[phone]] = np.log(0.99)
    for phone, p in [("AH", 0.004), ("IH", 0.004), ("TH", 0.001)]:
        log_post[6:12, PHONE_INDEX[phone]] = np.log(p)
    alignment = force_align(log_post, [[["AH"]], [["TH", "IH"]]])
    th = alignment.phones[1]
    assert th.end - th.start < 6  # squeezed
    plain, again = competitors(log_post, alignment), realigned_competitors(log_post, alignment)
    assert again[1].phone == plain[1].phone == "S"
    assert again[1].margin > plain[1].margin + 1.0
    assert again[0].phone in confusable("AH") and again[0].margin < 0  # AH was said
