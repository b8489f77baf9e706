"""Lesson pack data: a pack's metadata and its items, as read from a manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

#: The manifest format this version of tutor writes (older ones are migrated on load).
FORMAT_VERSION = 1
MANIFEST_NAME = "pack.toml"
PACK_SUFFIX = ".tutorpack"
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
ACCENTS: tuple[str, ...] = ("en-US",)
AUDIO_SUFFIXES: tuple[str, ...] = (".wav", ".flac", ".ogg")


class ItemType(StrEnum):
    WORD = "word"
    MINIMAL_PAIR = "minimal-pair"
    SENTENCE = "sentence"
    SHADOWING = "shadowing"

    @classmethod
    def parse(cls, value: str) -> ItemType:
        """Accept ``"minimal pair"``, ``"minimal_pair"`` and ``"Minimal-Pair"`` alike."""
        key = "-".join(value.strip().lower().replace("_", " ").split())
        return cls(key)

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


@dataclass(frozen=True)
class LessonItem:
    """One thing to say. ``pronunciations`` maps a word to ARPAbet variants (overrides)."""

    id: str
    text: str
    type: ItemType = ItemType.SENTENCE
    focus_phones: tuple[str, ...] = ()
    pronunciations: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    audio: str | None = None  # path relative to the pack folder, as written in the manifest
    tip: str = ""
    reference_audio: Path | None = None  # ``audio`` resolved against the pack folder

    @property
    def overrides(self) -> dict[str, str | list[list[str]]]:
        """The pronunciation overrides in the form ``lexicon.pronounce`` takes."""
        return {w: [v.split() for v in variants] for w, variants in self.pronunciations.items()}


@dataclass(frozen=True)
class LessonPack:
    id: str
    title: str
    items: tuple[LessonItem, ...]
    author: str = ""
    level: str = "beginner"
    description: str = ""
    accent: str = "en-US"
    focus_phones: tuple[str, ...] = ()
    format: int = FORMAT_VERSION
    root: Path | None = None  # the pack folder, when read from disk

    def item(self, item_id: str) -> LessonItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def all_focus_phones(self) -> tuple[str, ...]:
        """The pack's focus phones, then any more that items name, in first-seen order."""
        seen = dict.fromkeys(self.focus_phones)
        for item in self.items:
            seen.update(dict.fromkeys(item.focus_phones))
        return tuple(seen)
