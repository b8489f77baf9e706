"""PracticeSession additions for the app: out-of-order attempts, putting an item off,
per-item outcomes, per-phone items and due dates, and a new session over the missed items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from progress_helpers import make_result

from tutor.lessons import ItemType, LessonItem, LessonPack
from tutor.practice import PracticeSession
from tutor.practice.scheduler import INTERVALS
from tutor.practice.session import record_from_result

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PACK = LessonPack(
    id="th",
    title="TH",
    focus_phones=("TH",),
    items=(
        LessonItem(id="think", text="think", type=ItemType.WORD),
        LessonItem(id="three", text="three", type=ItemType.WORD, focus_phones=("TH", "R")),
        LessonItem(id="ship", text="ship", type=ItemType.WORD, focus_phones=("SH",)),
        LessonItem(id="sheep", text="sheep", type=ItemType.WORD, focus_phones=("IY",)),
    ),
)


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def test_an_item_practised_out_of_order_counts() -> None:
    session = PracticeSession(PACK, now=NOW)
    assert session.queue == ["think", "three", "ship", "sheep"]
    assert session.record_item("ship", make_result("ship"), at(1)) == 1.0
    assert session.queue == ["think", "three", "sheep"]  # passed: it leaves the sitting
    assert session.record_item("sheep", make_result("sheep", {"IY": 0.3}), at(2)) < 0.75
    assert session.queue == ["think", "three", "sheep"]  # missed: back after other items
    session.record_item("ship", make_result("ship", {"SH": 0.0}), at(3))  # passed before
    assert session.queue == ["think", "three", "sheep", "ship"]
    assert session.outcomes() == {"ship": False, "sheep": False}
    with pytest.raises(KeyError, match="not in pack"):
        session.record_item("nope", make_result("ship"))


def test_defer_puts_the_current_item_last() -> None:
    session = PracticeSession(PACK, now=NOW)
    session.defer()
    assert session.current().id == "three" and session.queue[-1] == "think"
    assert not session.done and session.remaining() == 4


def test_summary_lists_items_and_due_dates_per_phone() -> None:
    session = PracticeSession(PACK, now=NOW)
    session.record(make_result("think", {"TH": 0.4}), at(1))  # missed
    session.record(make_result("three"), at(2))  # passed: box 1
    session.record(make_result("ship"), at(3))
    summary = session.summary()
    assert summary.attempts == 3 and summary.attempted == 3 and summary.passed == 2
    phones = {p.phone: p for p in summary.phones}
    th = phones["TH"]
    assert th.passed == ("three",) and th.to_review == ("think",)
    assert th.next_due == at(1)  # the missed item is due again at once
    assert phones["R"].passed == ("three",) and phones["R"].next_due == at(2) + INTERVALS[1]
    assert phones["SH"].passed == ("ship",) and phones["SH"].to_review == ()


def test_review_missed_walks_exactly_the_missed_items() -> None:
    history = [record_from_result("th", "ship", make_result("ship"), NOW - timedelta(days=9))]
    session = PracticeSession(PACK, history, now=NOW)
    assert session.current().id == "ship"  # due for review
    session.record(make_result("ship"), at(1))
    session.record(make_result("think", {"TH": 0.4}), at(2))
    session.record(make_result("three", {"R": 0.2}), at(3))
    again = session.review_missed(now=at(10))
    assert [i.id for i in again.pack.items] == ["think", "three"]
    assert sorted(again.queue) == ["think", "three"] and not again.done
    assert [*again.history] == [*history, *session.done]
    again.record_item("three", make_result("three"), at(11))
    r = next(p for p in again.summary().phones if p.phone == "R")
    assert r.before_mean == 0.2 and r.change == pytest.approx(1.8)
    # a clock that says a miss is not due yet ("three" was missed at 3) still brings it back
    assert session.review_missed(now=at(2)).queue == ["think", "three"]
    with pytest.raises(ValueError, match="no missed items"):
        again.review_missed()
