"""The progress overview of all sounds (no Qt): rows, trend, next review, plurals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from progress_helpers import make_result

from tutor.core import Library
from tutor.core.sounds import next_reviews, plural, sound_overview, trend, trend_text
from tutor.lessons.model import ItemType, LessonItem, LessonPack
from tutor.practice.scheduler import INTERVALS
from tutor.practice.session import record_from_result

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_plural() -> None:
    assert plural(1, "attempt") == "1 attempt"
    assert plural(0, "attempt") == "0 attempts" and plural(3, "item") == "3 items"
    assert plural(2, "box", "boxes") == "2 boxes"


def test_trend_needs_two_attempts_and_compares_the_ends() -> None:
    assert trend([]) is None and trend([1.2]) is None
    assert trend([0.5, 1.5]) == 1.0
    assert trend([0.4, 0.6, 1.0, 1.2, 1.6, 1.8]) == (1.2 + 1.6 + 1.8) / 3 - (0.4 + 0.6 + 1.0) / 3
    assert trend_text(None) == "–" and trend_text(0.05) == "→ steady"
    assert trend_text(0.4) == "↑ +0.4" and trend_text(-0.3) == "↓ −0.3"


def test_rows_weakest_first_with_their_next_review() -> None:
    due = {"TH": NOW + timedelta(days=1)}
    rows = sound_overview({"IY": [1.9, 1.8], "TH": [0.4, 1.0, 1.4], "S": []}, due)
    assert [r.phone for r in rows] == ["TH", "IY"]  # a sound never scored has no row
    th = rows[0]
    assert th.attempts == 3 and round(th.average, 2) == 0.93
    assert th.trend == pytest.approx(1.0) and th.next_review == due["TH"]
    assert rows[1].next_review is None


def test_next_review_per_focus_sound() -> None:
    pack = LessonPack(
        id="th",
        title="TH",
        focus_phones=("TH",),
        items=(
            LessonItem(id="a", text="think", type=ItemType.WORD),
            LessonItem(id="b", text="sheep", type=ItemType.WORD, focus_phones=("IY", "SH")),
        ),
    )
    missed = record_from_result("th", "a", make_result("think", {"TH": 0.2}), NOW)
    passed = record_from_result("th", "b", make_result("sheep"), NOW - timedelta(hours=1))
    due = next_reviews(Library((pack,)), lambda p: [missed, passed] if p == "th" else [])
    assert due["TH"] == NOW  # missed: due again at once
    assert due["IY"] == due["SH"] == NOW - timedelta(hours=1) + INTERVALS[1]
