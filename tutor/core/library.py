"""The lesson library: built-in packs, then installed ones, and the packs that failed.

A broken pack is reported by name and left out; it never hides the others, and nothing
stands in for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tutor.lessons.issues import PackError
from tutor.lessons.library import clean_library, load_pack, user_packs_dir
from tutor.lessons.model import MANIFEST_NAME, LessonItem, LessonPack
from tutor.paths import builtin_lessons_dir
from tutor.practice import PracticeSession
from tutor.progress.records import AttemptRecord

log = logging.getLogger(__name__)

LEVEL_ORDER = {"beginner": 0, "intermediate": 1, "advanced": 2}


@dataclass(frozen=True)
class PackItem:
    """One item of the library and the pack it belongs to (what the lesson list shows)."""

    pack: LessonPack
    item: LessonItem

    @property
    def pack_id(self) -> str:
        return self.pack.id

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def key(self) -> tuple[str, str]:
        """``(pack id, item id)``: what the progress store and sittings key on."""
        return self.pack.id, self.item.id

    @property
    def text(self) -> str:
        return self.item.text

    @property
    def tip(self) -> str:
        return self.item.tip

    @property
    def overrides(self) -> dict[str, str | list[list[str]]]:
        return self.item.overrides

    @property
    def reference_audio(self) -> Path | None:
        return self.item.reference_audio


@dataclass(frozen=True)
class PackProblem:
    """A pack that could not be read: its folder name and what is wrong with it."""

    name: str
    folder: Path
    message: str

    def __str__(self) -> str:
        return f"The lesson pack {self.name!r} could not be read: {self.message}"


@dataclass(frozen=True)
class Library:
    """The packs to practise (built-in first), and the ones that could not be read."""

    packs: tuple[LessonPack, ...] = ()
    problems: tuple[PackProblem, ...] = field(default=())

    def problem_summary(self) -> str:
        """One line naming every pack that could not be read ("" when all were)."""
        if len(self.problems) == 1:
            return str(self.problems[0])
        if not self.problems:
            return ""
        names = ", ".join(repr(p.name) for p in self.problems)
        return f"{len(self.problems)} lesson packs could not be read ({names}); see the log."

    def entries(self) -> list[PackItem]:
        """Every item of every pack, in the packs' order."""
        return [PackItem(p, i) for p in self.packs for i in p.items]

    def pack(self, pack_id: str) -> LessonPack | None:
        return next((p for p in self.packs if p.id == pack_id), None)


def _read_dir(folder: Path) -> tuple[list[LessonPack], list[PackProblem]]:
    packs: list[LessonPack] = []
    problems: list[PackProblem] = []
    if not folder.is_dir():
        return packs, problems
    # hidden folders are an import's or a removal's work (``.import-``, ``.removing-``), not packs
    subs = (p for p in folder.iterdir() if not p.name.startswith("."))
    for sub in sorted(p for p in subs if (p / MANIFEST_NAME).is_file()):
        try:
            packs.append(load_pack(sub))
        except (PackError, OSError) as exc:
            log.warning("Skipping the lesson pack in %s:\n%s", sub, exc)
            problems.append(PackProblem(sub.name, sub, str(exc)))
    return packs, problems


def load_library(builtin: Path | None = None, installed: Path | None = None) -> Library:
    """Built-in packs (by level, then title), then installed ones; an installed pack never
    replaces a built-in id. Packs without items are left out."""
    builtin_packs, problems = _read_dir(builtin or builtin_lessons_dir())
    builtin_packs.sort(key=lambda p: (LEVEL_ORDER.get(p.level, 3), p.title.lower()))
    installed = installed or user_packs_dir()
    clean_library(installed)  # finish or undo what a killed import or removal left there
    user_packs, user_problems = _read_dir(installed)
    ids = {p.id for p in builtin_packs}
    for pack in user_packs:
        if pack.id in ids:
            problems.append(
                PackProblem(
                    pack.root.name if pack.root else pack.id,
                    pack.root or Path(pack.id),
                    f"its id {pack.id!r} is a built-in pack's; the built-in one is used",
                )
            )
    packs = [*builtin_packs, *(p for p in user_packs if p.id not in ids)]
    return Library(tuple(p for p in packs if p.items), (*problems, *user_problems))


def practice_order(pack: LessonPack, history: Sequence[AttemptRecord]) -> LessonPack:
    """``pack`` with its items in the order a :class:`PracticeSession` walks it for a learner
    with this ``history``: due and weak items first, then new ones; items not due yet last."""
    queue = PracticeSession(pack, history).queue
    rank = {item_id: n for n, item_id in enumerate(dict.fromkeys(queue))}
    items = sorted(pack.items, key=lambda it: rank.get(it.id, len(rank)))  # stable
    return replace(pack, items=tuple(items))
