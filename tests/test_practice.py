"""The scheduler and practice sessions: weak items come back, summaries per focus phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from progress_helpers import make_result

from tutor.lessons import ItemType, LessonItem, LessonPack
from tutor.practice import PASS, PracticeSession, attempt_quality, item_states, plan
from tutor.practice.scheduler import INTERVALS
from tutor.practice.session import record_from_result

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

PACK = LessonPack(
    id="th",
    title="TH",
    focus_phones=("TH",),
    items=(
        LessonItem(id="think", text="think", type=ItemType.WORD, focus_phones=("TH",)),
        LessonItem(id="three", text="three", type=ItemType.WORD, focus_phones=("TH", "R")),
        LessonItem(
            id="pair", text="think, sink", type=ItemType.MINIMAL_PAIR, focus_phones=("TH", "S")
        ),
        LessonItem(id="ship", text="ship", type=ItemType.WORD, focus_phones=("SH",)),
        LessonItem(id="sheep", text="sheep", type=ItemType.WORD, focus_phones=("IY",)),
    ),
)
FOCUS = {i.id: i.focus_phones for i in PACK.items}


def rec(item: str, text: str, when: datetime, **scores: float):
    return record_from_result("th", item, make_result(text, scores), when)


def test_quality_is_driven_by_the_weakest_focus_phone() -> None:
    r = rec("think", "think", NOW, TH=0.0)
    assert attempt_quality(r, ["TH"]) == 0.0
    # the same mistake on a phone that is not in focus weighs a third
    assert attempt_quality(r, ["K"]) == 1 - 1 / 3
    assert attempt_quality(rec("think", "think", NOW), ["TH"]) == 1.0
    assert attempt_quality(rec("think", "think", NOW, TH=1.5), ["TH"]) == PASS


def test_leitner_boxes_and_intervals() -> None:
    records = [rec("think", "think", NOW - timedelta(days=10 - d)) for d in range(3)]
    states = item_states(records, FOCUS)
    assert states["think"].box == 3 and states["three"].is_new
    assert states["think"].due() == records[-1].when + INTERVALS[3]
    records.append(rec("think", "think", NOW - timedelta(days=1), TH=0.2))
    states = item_states(records, FOCUS)
    assert states["think"].box == 0 and states["think"].is_due(NOW)


def test_plan_puts_weak_items_first_and_skips_known_ones() -> None:
    ids = [i.id for i in PACK.items]
    history = [
        rec("think", "think", NOW - timedelta(hours=1)),  # good, not due for a day
        rec("three", "three", NOW - timedelta(hours=2), R=0.3),  # very weak: due now
        rec("pair", "think sink", NOW - timedelta(hours=3), TH=1.0),  # weak: due now
    ]
    order = plan(ids, FOCUS, history, NOW)
    assert order == ["three", "pair", "ship", "sheep"]
    assert plan(ids, FOCUS, history, NOW, limit=2) == ["three", "pair"]
    assert plan(ids, FOCUS, history, NOW + timedelta(days=2))[-1] == "sheep"
    everything_good = [
        rec(i, t, NOW - timedelta(hours=1))
        for i, t in [
            ("think", "think"),
            ("three", "three"),
            ("pair", "think sink"),
            ("ship", "ship"),
            ("sheep", "sheep"),
        ]
    ]
    assert sorted(plan(ids, FOCUS, everything_good, NOW)) == sorted(ids)  # walk it again


def test_session_brings_missed_items_back_and_summarises() -> None:
    history = [rec("think", "think", NOW - timedelta(days=3), TH=0.4)]
    session = PracticeSession(PACK, history, now=NOW, retry_gap=2)
    assert session.current().id == "think"  # due and weak
    assert session.record(make_result("think", {"TH": 0.5})) < PASS
    assert session.queue[:3] == ["three", "pair", "think"]  # back after two other items
    session.record(make_result("three"))
    assert session.record(make_result("think, sink", {"TH": 1.0})) < PASS
    assert session.current().id == "think"
    assert session.record(make_result("think", {"TH": 1.8})) >= PASS
    while not session.finished:
        item = session.current()
        session.record(make_result(item.text, {"TH": 1.0}))
    summary = session.summary()
    assert summary.attempted == 5 and summary.to_review == ("pair",)
    assert summary.passed == 4
    th = next(p for p in summary.phones if p.phone == "TH")
    assert th.before_mean == 0.4 and th.first == 0.5 and th.last == 1.0
    assert th.change is not None and th.change > 0
    assert [p.phone for p in summary.phones][0] == "TH"  # weakest first


def test_retries_are_bounded() -> None:
    pack = LessonPack(id="th", title="TH", items=(PACK.items[0],))
    session = PracticeSession(pack, now=NOW)
    tries = 0
    while not session.finished:
        session.record(make_result("think", {"TH": 0.0}))
        tries += 1
    assert tries == 3
    assert session.summary().to_review == ("think",)


def test_the_summary_covers_every_weak_sound_of_the_sitting() -> None:
    """A sound outside the pack's focus that went badly is in the summary (the real problem
    may be there); sounds outside the focus that went well are not."""
    session = PracticeSession(PACK, [], now=NOW)
    session.record_item("think", make_result("think", {"TH": 1.9, "NG": 0.4}))
    session.record_item("sheep", make_result("sheep", {"IY": 1.9}))
    summary = session.summary()
    sounds = [p.phone for p in summary.phones]
    assert "NG" in sounds and sounds[0] == "NG"  # weakest first, though no item focuses on it
    ng = next(p for p in summary.phones if p.phone == "NG")
    assert ng.to_review == ("think",) and ng.passed == ()  # the item it was said in
    assert "K" not in sounds and "P" not in sounds  # well said, not a focus sound: left out
    assert {"TH", "IY", "SH"} <= set(sounds)  # focus sounds practised stay in
    assert session.weak_phones() == ["NG"]
