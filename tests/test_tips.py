"""The tips table and the score bands (no Qt)."""

from __future__ import annotations

import pytest

from tutor.feedback.advice import advice
from tutor.feedback.bands import Band, phone_band, phone_colour, ten_band, ten_colour
from tutor.feedback.tips import TIPS, describe, missing_tips, tip_for
from tutor.scoring.phones import CMU_PHONES, PHONE_INDEX
from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult


def test_every_cmu_phone_has_a_tip() -> None:
    assert missing_tips() == []
    assert set(TIPS) == set(CMU_PHONES)
    for tip in TIPS.values():
        assert len(tip.how) > 20 and tip.examples


def test_substitutions_name_real_phones_and_differ_from_the_target() -> None:
    for phone, tip in TIPS.items():
        for heard in tip.confusions:
            assert heard in PHONE_INDEX and heard != phone, (phone, heard)


@pytest.mark.parametrize(
    ("phone", "heard", "needle"),
    [
        ("TH", "S", "between the teeth"),
        ("V", "W", "lower lip"),
        ("R", "L", "Do not touch"),
        ("IY", "IH", "longer"),
        ("L", "R", "Touch the ridge"),
    ],
)
def test_specific_advice_for_common_substitutions(phone: str, heard: str, needle: str) -> None:
    text = tip_for(phone, heard)
    assert needle in text
    assert text.endswith(TIPS[phone].how)


def test_unknown_substitution_falls_back_to_how_to_make_the_sound() -> None:
    assert tip_for("TH", "OY") == TIPS["TH"].how
    assert tip_for("TH", "TH") == TIPS["TH"].how
    assert "XX" in tip_for("XX")


def test_describe_in_both_notations() -> None:
    assert describe("TH") == "TH"
    assert describe("TH", "ipa") == "/θ/"
    assert describe("AH", "ipa", stress=0, slashes=False) == "ə"
    assert describe("IY1") == "IY"


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (2.0, Band.GOOD),
        (1.5, Band.GOOD),
        (1.49, Band.FAIR),
        (0.8, Band.FAIR),
        (0.79, Band.POOR),
        (0.0, Band.POOR),
    ],
)
def test_phone_bands(score: float, band: Band) -> None:
    assert phone_band(score) is band


@pytest.mark.parametrize(
    ("score", "band"),
    [(10, Band.GOOD), (7.5, Band.GOOD), (7.4, Band.FAIR), (5.0, Band.FAIR), (4.9, Band.POOR)],
)
def test_ten_bands(score: float, band: Band) -> None:
    assert ten_band(score) is band


def test_colours_differ_by_band_and_theme() -> None:
    light = {phone_colour(s) for s in (2.0, 1.0, 0.0)}
    dark = {phone_colour(s, "dark") for s in (2.0, 1.0, 0.0)}
    assert len(light) == 3 and len(dark) == 3 and light.isdisjoint(dark)
    assert ten_colour(9.0) == phone_colour(2.0)


def _phone(name: str, score: float, heard: str, t: float) -> PhoneResult:
    return PhoneResult(name, None, t, t + 0.1, score, -1.0, heard, score < 1.0)


def test_advice_picks_the_worst_phones_with_their_words() -> None:
    w1 = WordResult(
        "think",
        (_phone("TH", 0.2, "S", 0.0), _phone("IH", 1.9, "IH", 0.1)),
        0.0,
        0.2,
        5.0,
        10.0,
        5.0,
    )
    w2 = WordResult(
        "very", (_phone("V", 0.9, "W", 0.3), _phone("R", 1.2, "R", 0.4)), 0.3, 0.5, 6.0, 10.0, 6.0
    )
    result = UtteranceResult("think very", (w1, w2), 6.0, 8.0, 10.0, 8.0, 7.0, 0.6)
    got = advice(result, 3)
    assert [(a.phone.phone, a.word.text) for a in got] == [
        ("TH", "think"),
        ("V", "very"),
        ("R", "very"),
    ]
    assert got[0].substituted and "'think', not 'sink'" in got[0].tip
    assert not got[2].substituted
    assert advice(result, 1)[0].phone.phone == "TH"


def test_a_weak_word_with_green_phones_still_gets_advice() -> None:
    # every phone green, but the word as a whole scored red: its weakest phone is named,
    # so the panel never says "every sound scored well" beside a red word
    weak = WordResult(
        "would", (_phone("W", 1.7, "W", 0.0), _phone("UH", 1.55, "UH", 0.1)), 0.0, 0.2, 4.5,
        10.0, 4.5,
    )  # fmt: skip
    fine = WordResult("be", (_phone("B", 1.9, "B", 0.3),), 0.3, 0.4, 9.8, 10.0, 9.8)
    result = UtteranceResult("would be", (weak, fine), 6.0, 8.0, 10.0, 8.0, 7.0, 0.4)
    assert [(a.phone.phone, a.word.text) for a in advice(result)] == [("UH", "would")]
    good = UtteranceResult("be", (fine,), 9.8, 9.0, 10.0, 9.0, 9.5, 0.4)
    assert advice(good) == []
