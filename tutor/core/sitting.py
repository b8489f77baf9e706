"""One sitting: a practice session over the pack on screen, as the window walks it.

The learner may click any item, go back, or move on without recording; a missed item comes
back a few items later; switching packs ends the sitting (its summary stays available on
request; it opens by itself only at the end of a pack). Everything here is plain Python:
the window only draws what it says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from tutor.lessons.model import LessonPack
from tutor.practice import PASS, PracticeSession
from tutor.progress.records import AttemptRecord
from tutor.scoring.result import UtteranceResult

from .progress import Progress

Key = tuple[str, str]  # (pack id, item id)

PASSED = "Passed. Press N for the next item."
LAST_ONE = "That was the last item of this sitting: press N for your summary."
COMES_BACK = "Not yet: this item comes back later in this sitting. Press N to go on."
FOR_REVIEW = "Not yet: this item is marked for review. Press N to go on."
ONLY_ONE_LEFT = (
    "This is the last item left in this sitting: record it, or see Practice → Session summary."
)


class Mark(StrEnum):
    """How an item of the lesson list stands in this sitting."""

    NONE = ""  # not attempted yet (or not in the sitting's pack)
    PASSED = "passed"  # its last attempt passed
    AGAIN = "again"  # missed: it comes back later in this sitting
    REVIEW = "review"  # missed, retries used up: to review in a later sitting
    RESTING = "resting"  # in the pack but not in this sitting (not due yet)


@dataclass(frozen=True)
class NextStep:
    """What Next does: show the ``summary``, go to ``item``, ``stay`` (with a message
    saying why), or go ``onward`` to the next item of the list."""

    kind: str
    item: Key | None = None
    message: str = ""


class Sitting:
    """The sitting over the pack of the item on screen, planned from ``progress``."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.session: PracticeSession | None = None
        self.summarised: PracticeSession | None = None  # whose summary the learner has seen
        self.left_behind: PracticeSession | None = None  # the last sitting left with attempts
        self.here: Key | None = None  # the item on screen
        self.scored_here = False  # it has been scored since it was shown

    def start(self, pack: LessonPack) -> None:
        """A new sitting over ``pack``: due and weak items first, then new ones."""
        self.session = PracticeSession(pack, self.progress.records(pack.id))
        self.summarised = None

    def show(self, key: Key, pack: LessonPack | None) -> PracticeSession | None:
        """The learner turned to item ``key`` of ``pack`` (``None``: an item outside the
        library). Switching packs starts a new sitting; returns the one left behind when its
        summary is due (something was scored in it and the summary was not seen)."""
        self.here, self.scored_here = key, False
        if self.session is not None and self.session.pack.id == key[0]:
            return None
        if pack is None:  # an item outside the packs (a demo sample): no session
            return None
        previous = self.session
        self.start(pack)
        if previous is not None and previous.done:
            self.left_behind = previous
            if self.summarised is not previous:
                return previous
        return None

    def summary_session(self) -> PracticeSession | None:
        """The sitting Practice → Session summary shows: this one once something was scored
        in it, else the one the learner left behind by switching packs (if any)."""
        if self.session is not None and self.session.done:
            return self.session
        return self.left_behind or self.session

    def summary_shown(self, session: PracticeSession) -> None:
        self.summarised = session

    def record(self, key: Key, result: UtteranceResult | AttemptRecord) -> str | None:
        """Count a scored attempt at ``key``; the message for the learner (pass, comes back,
        to review, sitting over), or ``None`` when it is not part of this sitting."""
        session = self.session
        if session is None or session.pack.id != key[0]:
            return None  # scored after the learner moved to another pack
        try:
            quality = session.record_item(key[1], result)
        except KeyError:  # not part of this sitting (a review of the missed items)
            return None
        if key == self.here:
            self.scored_here = True
        if session.finished:
            return LAST_ONE
        if quality >= PASS:
            return PASSED
        return COMES_BACK if key[1] in session.queue else FOR_REVIEW

    def next_step(self) -> NextStep:
        """The session's next item: missed ones come back after a few others. Once the
        sitting is over, its summary; after that, simply the next item in the list."""
        session = self.session
        if session is None:
            return NextStep("onward")
        if session.finished and session.done and self.summarised is not session:
            return NextStep("summary")
        head = session.current()
        if head is not None and not self.scored_here and self.here == (session.pack.id, head.id):
            session.defer()  # moving on without an attempt: it waits at the end
            head = session.current()
        if head is None:
            return NextStep("onward")
        key = (session.pack.id, head.id)
        if key == self.here and not self.scored_here:
            return NextStep("stay", key, ONLY_ONE_LEFT)
        return NextStep("item", key)

    def practise_missed(self, session: PracticeSession | None = None) -> Key | None:
        """A new sitting over the items ``session`` (default: this one) left to review;
        the key of its first item. Raises ``ValueError`` when every item passed."""
        session = session or self.session
        if session is None:
            return None
        self.session = session.review_missed()
        self.summarised = None
        head = self.session.current()
        return (self.session.pack.id, head.id) if head is not None else None

    def packs_changed(self, pack_of: Callable[[str], LessonPack | None]) -> None:
        """After the packs were re-read: keep the sitting unless its items changed."""
        session = self.session
        if session is None:
            return
        pack = pack_of(session.pack.id)
        ids = {i.id for i in pack.items} if pack is not None else set()
        if pack is None or any(i.id not in ids for i in session.pack.items):
            self.session = None
            if self.here is not None and (here := pack_of(self.here[0])) is not None:
                self.start(here)

    def marks(self, keys: Iterable[Key]) -> dict[Key, Mark]:
        """Each item's mark in this sitting."""
        session = self.session
        outcomes = session.outcomes() if session else {}
        queue = set(session.queue) if session else set()
        marks: dict[Key, Mark] = {}
        for key in keys:
            pack_id, item_id = key
            if session is None or pack_id != session.pack.id:
                marks[key] = Mark.NONE
            elif item_id in outcomes:
                marks[key] = (
                    Mark.PASSED
                    if outcomes[item_id]
                    else (Mark.AGAIN if item_id in queue else Mark.REVIEW)
                )
            elif item_id not in queue:
                marks[key] = Mark.RESTING
            else:
                marks[key] = Mark.NONE
        return marks

    def status(self) -> str:
        """``"<pack>: 3 of 4 left · 1 passed"``; empty without a sitting."""
        session = self.session
        if session is None:
            return ""
        outcomes = session.outcomes()
        queue = set(session.queue)
        total = len(queue | set(outcomes))
        passed = sum(outcomes.values())
        missed = len(outcomes) - passed
        parts = [
            f"{len(queue)} of {total} left" if queue else "Sitting complete",
            f"{passed} passed",
        ]
        if missed:
            parts.append(f"{missed} missed")
        return f"{session.pack.title}: " + " · ".join(parts)
