"""Full validation of a pack folder: manifest structure, words -> phones, audio files."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tutor.scoring.errors import TextError

from .archive import MAX_FILE_BYTES
from .issues import Issue, Severity
from .manifest import parse_manifest
from .model import MANIFEST_NAME, LessonItem, LessonPack
from .source_map import SourceMap

MIN_AUDIO_SECONDS = 0.2
MAX_AUDIO_SECONDS = 30.0
#: Words not in the pronunciation dictionary are guessed by a g2p model (5-12 ms each): a
#: pack may ask for at most this many distinct guesses, within this many seconds.
MAX_GUESSED_WORDS = 500
MAX_GUESS_SECONDS = 60.0

#: ``progress(items checked, items in all, words guessed so far)``
Progress = Callable[[int, int, int], None]


class GuessBudget:
    """Bounds the g2p look-ups one validation may make (distinct words, and time)."""

    def __init__(
        self,
        max_words: int = MAX_GUESSED_WORDS,
        max_seconds: float = MAX_GUESS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_words, self.max_seconds, self.clock = max_words, max_seconds, clock
        self.words: set[str] = set()
        self._start: float | None = None

    def unknown_words(self, item: LessonItem) -> set[str]:
        """The words of ``item`` that would need a g2p guess (not in the dictionary and
        not overridden by the item)."""
        from tutor.scoring.lexicon import Lexicon, lexicon_key
        from tutor.scoring.text import normalize_text

        lexicon = Lexicon.default()
        overridden = {lexicon_key(w) for w in item.pronunciations}
        out: set[str] = set()
        try:
            words = normalize_text(item.text).words
        except Exception:  # TextError: check_item_phones reports it
            return out
        for word in words:
            if word.key in overridden:
                continue
            for part in re.split(r"[-\s]+", word.key):
                part = part[:-2] if part.endswith("'S") and len(part) > 2 else part
                if part and not lexicon.is_known(part) and not lexicon.is_known(part.strip("'.")):
                    out.add(part)
        return out

    def refusal(self, item: LessonItem) -> str | None:
        """Why ``item`` may not be looked up (the budget is spent), else ``None`` (and its
        unknown words are counted)."""
        if self._start is None:
            self._start = self.clock()
        new = self.unknown_words(item) - self.words
        if len(self.words) + len(new) > self.max_words:
            return (
                f"more than {self.max_words} different words of this pack are not in the "
                "pronunciation dictionary (the limit); add pronunciations for them or "
                "split the pack"
            )
        if new and self.clock() - self._start > self.max_seconds:
            return (
                f"guessing the pronunciation of words not in the dictionary took more than "
                f"{self.max_seconds:.0f} s (the limit); add pronunciations for them or "
                "split the pack"
            )
        self.words |= new
        return None


@dataclass
class Report:
    """What validation found. ``pack`` is ``None`` when the manifest itself has errors."""

    pack: LessonPack | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        return self.pack is not None and not self.errors


def read_manifest_text(folder: Path, label: str) -> tuple[str | None, list[Issue]]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None, [Issue(Severity.ERROR, label, None, "", f"{folder} has no {MANIFEST_NAME}")]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Issue(Severity.ERROR, label, None, "", f"cannot read it: {exc}")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Issue(Severity.ERROR, label, line, "", "the file is not UTF-8 text; save it as UTF-8")
        ]


def resolve_audio(pack: LessonPack, root: Path) -> LessonPack:
    """The pack with ``root`` set and each item's ``reference_audio`` resolved (if present)."""
    items = []
    for item in pack.items:
        ref = None
        if item.audio:
            candidate = root.joinpath(*item.audio.split("/"))
            if candidate.is_file():
                ref = candidate
        items.append(replace(item, reference_audio=ref))
    return replace(pack, items=tuple(items), root=root)


def validate_folder(
    folder: str | os.PathLike[str],
    *,
    check_phones: bool = True,
    check_audio: bool = True,
    label: str | None = None,
    progress: Progress | None = None,
    budget: GuessBudget | None = None,
) -> Report:
    """Check a pack folder. ``label`` names the manifest in messages (default: its path).

    Guessing unknown words is bounded by ``budget``; once it is spent the item is an error
    and the remaining items' words are not checked. ``progress`` hears about each item."""
    folder = Path(folder)
    label = label or str(folder / MANIFEST_NAME)
    text, issues = read_manifest_text(folder, label)
    if text is None:
        return Report(None, issues)
    return validate_text(
        text,
        folder,
        label,
        check_phones=check_phones,
        check_audio=check_audio,
        progress=progress,
        budget=budget,
    )


def validate_text(
    text: str,
    folder: Path | None,
    label: str = MANIFEST_NAME,
    *,
    check_phones: bool = True,
    check_audio: bool = True,
    progress: Progress | None = None,
    budget: GuessBudget | None = None,
) -> Report:
    """Every check of :func:`validate_folder` on a manifest's ``text`` (e.g. as the editor
    is about to save it), with line numbers into that text; reference audio is looked up in
    ``folder`` (not at all without one). ``progress`` and ``budget``: as for
    :func:`validate_folder`."""
    pack, issues = parse_manifest(text, label)
    if pack is None:
        return Report(None, issues)
    if folder is not None:
        pack = resolve_audio(pack, folder)
    where = SourceMap(text)
    budget = budget or GuessBudget()
    for index, item in enumerate(pack.items):

        def add(severity: Severity, key: str, message: str, index: int = index) -> None:
            issues.append(
                Issue(
                    severity,
                    label,
                    where.line("items", index, key),
                    f"items[{index + 1}].{key}",
                    message,
                )
            )

        if check_phones:
            refusal = budget.refusal(item)
            if refusal:
                add(Severity.ERROR, "text", refusal)
                check_phones = False
            else:
                for severity, key, message in check_item_phones(item):
                    add(severity, key, message)
        if progress is not None:
            progress(index + 1, len(pack.items), len(budget.words))
        if check_audio and item.audio and folder is not None:
            problem = check_audio_file(folder, item.audio)
            if problem:
                add(Severity.ERROR, "audio", problem)
    return Report(pack, issues)


def check_item_phones(item: LessonItem) -> list[tuple[Severity, str, str]]:
    """Every word must resolve to phones; dictionary misses are warnings, not errors."""
    from tutor.scoring.lexicon import pronounce

    out: list[tuple[Severity, str, str]] = []
    try:
        words = pronounce(item.text, item.overrides or None)
    except TextError as exc:
        return [(Severity.ERROR, "text", str(exc))]
    except ValueError as exc:
        return [(Severity.ERROR, "pronunciations", str(exc))]
    heard: set[str] = set()
    for word in words:
        for variant in word.variants:
            heard.update(p.rstrip("012") for p in variant)
        if word.source == "g2p":
            out.append(
                (
                    Severity.WARNING,
                    "text",
                    f"{word.text!r} is not in the pronunciation dictionary; its phones were "
                    f'guessed as "{" ".join(word.phones)}". If that is wrong, add '
                    f'pronunciations = {{ {word.text.lower()} = "..." }}',
                )
            )
    for phone in item.focus_phones:
        if phone not in heard:
            out.append(
                (Severity.WARNING, "focus", f"focus phone {phone} does not occur in {item.text!r}")
            )
    return out


def check_audio_file(root: Path, relative: str) -> str | None:
    """Why the reference audio is unusable, or ``None``. Never raises."""
    path = root.joinpath(*relative.split("/"))
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            return f"{relative!r} points outside the pack folder"
        if not path.is_file():
            return f"{relative!r} was not found in the pack folder"
        size = path.stat().st_size
    except OSError as exc:
        return f"{relative!r} cannot be read: {exc}"
    if size > MAX_FILE_BYTES:
        return f"{relative!r} is {size / 1e6:.1f} MB; at most {MAX_FILE_BYTES / 1e6:.0f} MB"
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile reports corrupt files in many ways
        return f"{relative!r} is not a readable WAV, FLAC or OGG file ({exc})"
    if info.samplerate <= 0 or info.frames <= 0:
        return f"{relative!r} holds no audio"
    seconds = info.frames / info.samplerate
    if not MIN_AUDIO_SECONDS <= seconds <= MAX_AUDIO_SECONDS:
        return (
            f"{relative!r} is {seconds:.1f} s long; reference audio should last "
            f"{MIN_AUDIO_SECONDS} to {MAX_AUDIO_SECONDS:.0f} s"
        )
    try:
        sf.read(str(path), dtype="float32")
    except Exception as exc:  # a valid header over damaged data
        return f"{relative!r} is damaged and cannot be played ({exc})"
    return None
