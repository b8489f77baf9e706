"""Read a ``pack.toml`` manifest into a :class:`LessonPack`, checking its structure.

Everything here is pure: text in, a pack and a list of issues out. Nothing in a manifest
is ever executed; values are checked against the shapes below and unknown keys are
reported. Words -> phones and audio files are checked later (:mod:`.validate`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from tutor.scoring.lexicon import lexicon_key, parse_pronunciations
from tutor.scoring.phones import CMU_PHONES

from .issues import Issue, Severity
from .model import (
    ACCENTS,
    AUDIO_SUFFIXES,
    FORMAT_VERSION,
    LEVELS,
    MANIFEST_NAME,
    ItemType,
    LessonItem,
    LessonPack,
)
from .source_map import SourceMap

MAX_MANIFEST_BYTES = 1_000_000
MAX_ITEMS = 2000
#: Arrays and inline tables nested deeper than this are refused before parsing (a manifest
#: needs 3; thousands would exhaust the parser's recursion).
MAX_NESTING = 16
#: Words over all items' texts: bounds the dictionary and g2p work a pack can ask for.
MAX_WORDS = 20_000
MAX_PRONUNCIATIONS = 50  # per item
MAX_FOCUS = 40
MAX_TEXT = 300
MAX_TIP = 1000
MAX_TITLE = 120
MAX_DESCRIPTION = 4000
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")

PACK_KEYS = ("id", "title", "author", "level", "description", "accent", "focus")
ITEM_KEYS = ("id", "type", "text", "focus", "pronunciations", "audio", "tip")

#: ``MIGRATIONS[n]`` turns a format-``n`` manifest dict into a format ``n + 1`` one.
#: Format 1 is the first public format, so the chain is empty today; a future format 2
#: adds ``MIGRATIONS[1]`` and every older pack keeps loading.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _Checker:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.map = SourceMap(text)
        self.issues: list[Issue] = []

    def add(self, severity: Severity, path: tuple[str | int, ...], message: str) -> None:
        self.issues.append(
            Issue(severity, self.file, self.map.line(*path), _field_name(path), message)
        )

    def error(self, path: tuple[str | int, ...], message: str) -> None:
        self.add(Severity.ERROR, path, message)

    def warn(self, path: tuple[str | int, ...], message: str) -> None:
        self.add(Severity.WARNING, path, message)

    def string(
        self,
        table: dict[str, Any],
        path: tuple[str | int, ...],
        *,
        required: bool,
        limit: int,
        default: str = "",
    ) -> str:
        key = str(path[-1])
        if key not in table:
            if required:
                self.error(path, "is missing; expected a non-empty string")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.error(path, f"expected a string, got {_kind(value)}")
            return default
        value = value.strip()
        if required and not value:
            self.error(path, "is empty; expected a non-empty string")
        if len(value) > limit:
            self.error(path, f"is {len(value)} characters long; at most {limit} are allowed")
            return value[:limit]
        return value

    def phones(self, table: dict[str, Any], path: tuple[str | int, ...]) -> tuple[str, ...]:
        key = str(path[-1])
        if key not in table:
            return ()
        value = table[key]
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(path, f'expected a list of phones such as ["TH", "S"], got {_kind(value)}')
            return ()
        if len(value) > MAX_FOCUS:
            self.error(path, f"{len(value)} phones; at most {MAX_FOCUS} are allowed")
            return ()
        out: list[str] = []
        for phone in value:
            base = phone.strip().upper()
            if base not in CMU_PHONES:
                hint = " (write it without a stress digit)" if base[:-1] in CMU_PHONES else ""
                self.error(
                    path,
                    f"{phone!r} is not an ARPAbet phone{hint}; expected one of "
                    f"{' '.join(CMU_PHONES)}",
                )
            elif base not in out:
                out.append(base)
        return tuple(out)

    def unknown_keys(
        self, table: dict[str, Any], path: tuple[str | int, ...], known: tuple[str, ...]
    ) -> None:
        for key in table:
            if key not in known:
                self.warn(
                    (*path, key),
                    f"unknown field {key!r} is ignored; expected one of {', '.join(known)}",
                )


def _kind(value: object) -> str:
    names = {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _field_name(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


def migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring a manifest of an older ``version`` up to :data:`FORMAT_VERSION`."""
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    data["format"] = FORMAT_VERSION
    return data


def nesting_too_deep(text: str, limit: int = MAX_NESTING) -> int | None:
    """The line where arrays/inline tables nest deeper than ``limit``, or ``None``.

    A linear scan that skips strings and comments, so it cannot itself recurse or hang."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\" and c == '"':
                    j += 1
                elif text[j] == "\n":
                    line += 1
                    if len(quote) == 1:
                        break  # an unterminated string: tomllib reports it
                j += 1
            i = j + len(quote)
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def parse_manifest(text: str, file: str = MANIFEST_NAME) -> tuple[LessonPack | None, list[Issue]]:
    """Parse and check a manifest. The pack is ``None`` when any error was found."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_MANIFEST_BYTES:
        return None, [
            Issue(
                Severity.ERROR,
                file,
                None,
                "",
                f"the manifest is {size / 1000:.0f} kB; a manifest may be at most "
                f"{MAX_MANIFEST_BYTES // 1000} kB",
            )
        ]
    deep = nesting_too_deep(text)
    if deep is not None:
        return None, [
            Issue(
                Severity.ERROR,
                file,
                deep,
                "",
                f"lists or tables are nested more than {MAX_NESTING} deep here; "
                "a manifest needs at most 3",
            )
        ]
    try:
        data = tomllib.loads(text)
    except RecursionError:  # belt and braces: the scan above should have caught it
        return None, [
            Issue(
                Severity.ERROR,
                file,
                None,
                "",
                f"lists or tables are nested too deeply (limit {MAX_NESTING})",
            )
        ]
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        return None, [
            Issue(
                Severity.ERROR,
                file,
                line,
                "",
                f"not valid TOML: {message}" + (f" (column {match.group(2)})" if match else ""),
            )
        ]
    check = _Checker(text, file)
    checked = _check_format(data, check)
    if checked is None:
        return None, check.issues
    pack = _read_pack(checked, check)
    if any(i.is_error for i in check.issues):
        return None, check.issues
    return pack, check.issues


def _check_format(data: dict[str, Any], check: _Checker) -> dict[str, Any] | None:
    version = data.get("format")
    if "format" not in data:
        check.error(
            ("format",), f"is missing; expected `format = {FORMAT_VERSION}` at the top of the file"
        )
        return None
    if not isinstance(version, int) or isinstance(version, bool):
        check.error(("format",), f"expected a whole number, got {_kind(version)}")
        return None
    if version > FORMAT_VERSION:
        check.error(
            ("format",),
            f"format {version} was made by a newer tutor (this one reads "
            f"up to format {FORMAT_VERSION}); update tutor to use this pack",
        )
        return None
    if version < 1 or any(v not in MIGRATIONS for v in range(version, FORMAT_VERSION)):
        check.error(
            ("format",),
            f"format {version} is not a known lesson format; expected 1 to {FORMAT_VERSION}",
        )
        return None
    try:
        return migrate(dict(data), version)
    except Exception as exc:  # a migration must never crash the app on odd input
        check.error(("format",), f"could not upgrade this format-{version} pack: {exc}")
        return None


def _read_pack(data: dict[str, Any], check: _Checker) -> LessonPack | None:
    check.unknown_keys(data, (), ("format", "pack", "items"))
    meta = data.get("pack")
    if not isinstance(meta, dict):
        check.error(
            ("pack",),
            "is missing; expected a [pack] table with id, title, level, accent"
            if meta is None
            else f"expected a [pack] table, got {_kind(meta)}",
        )
        meta = {}
    check.unknown_keys(meta, ("pack",), PACK_KEYS)
    pack_id = check.string(meta, ("pack", "id"), required=True, limit=64)
    if pack_id and not ID_RE.match(pack_id):
        check.error(
            ("pack", "id"),
            f"{pack_id!r}: expected lower-case letters, digits, '-' "
            "or '_' (for example \"th-sounds\")",
        )
    title = check.string(meta, ("pack", "title"), required=True, limit=MAX_TITLE)
    author = check.string(meta, ("pack", "author"), required=False, limit=MAX_TITLE)
    description = check.string(meta, ("pack", "description"), required=False, limit=MAX_DESCRIPTION)
    level = check.string(meta, ("pack", "level"), required=True, limit=40).lower()
    if level and level not in LEVELS:
        check.error(("pack", "level"), f"{level!r}: expected one of {', '.join(LEVELS)}")
    accent = check.string(meta, ("pack", "accent"), required=True, limit=20)
    if accent and accent not in ACCENTS:
        check.error(("pack", "accent"), f"{accent!r}: expected one of {', '.join(ACCENTS)}")
    focus = check.phones(meta, ("pack", "focus"))

    raw_items = data.get("items")
    items: list[LessonItem] = []
    if raw_items is None:
        check.error(("items",), "the pack has no items; add at least one [[items]] table")
    elif not isinstance(raw_items, list) or not all(isinstance(i, dict) for i in raw_items):
        check.error(("items",), "expected [[items]] tables")
    elif not raw_items:
        check.error(("items",), "the pack has no items; add at least one [[items]] table")
    elif len(raw_items) > MAX_ITEMS:
        check.error(
            ("items", MAX_ITEMS), f"{len(raw_items)} items; a pack holds at most {MAX_ITEMS}"
        )
    else:
        seen: dict[str, int] = {}
        words = 0
        for index, raw in enumerate(raw_items):
            item = _read_item(raw, index, check)
            if item is None:
                continue
            words += len(WORD_RE.findall(item.text))
            if words > MAX_WORDS:
                check.error(
                    ("items", index, "text"),
                    f"the items up to here have more than "
                    f"{MAX_WORDS} words; a pack may have at most {MAX_WORDS}",
                )
                break
            if item.id in seen:
                check.error(
                    ("items", index, "id"),
                    f"{item.id!r} is already used by item "
                    f"{seen[item.id] + 1}; item ids must be unique",
                )
            seen.setdefault(item.id, index)
            items.append(item)
    return LessonPack(
        id=pack_id,
        title=title,
        items=tuple(items),
        author=author,
        level=level or "beginner",
        description=description,
        accent=accent or "en-US",
        focus_phones=focus,
    )


def _read_item(raw: dict[str, Any], index: int, check: _Checker) -> LessonItem | None:
    at = ("items", index)
    errors_before = sum(i.is_error for i in check.issues)
    check.unknown_keys(raw, at, ITEM_KEYS)
    item_id = check.string(raw, (*at, "id"), required=True, limit=64)
    if item_id and not ID_RE.match(item_id):
        check.error(
            (*at, "id"),
            f"{item_id!r}: expected lower-case letters, digits, '-' or "
            "'_' (for example \"think-sink\")",
        )
    text = check.string(raw, (*at, "text"), required=True, limit=MAX_TEXT)
    if text and not WORD_RE.search(text):
        check.error((*at, "text"), f"{text!r} has no words to say")
    type_name = check.string(raw, (*at, "type"), required=False, limit=40, default="sentence")
    try:
        kind = ItemType.parse(type_name)
    except ValueError:
        kind = ItemType.SENTENCE
        check.error(
            (*at, "type"), f"{type_name!r}: expected one of {', '.join(t.value for t in ItemType)}"
        )
    if kind is ItemType.MINIMAL_PAIR and text:
        parts = [p for p in re.split(r"[,/]", text) if WORD_RE.search(p)]
        if len(parts) != 2:
            check.error(
                (*at, "text"),
                f"{text!r}: a minimal pair is two words or phrases "
                'separated by a comma, e.g. "ship, sheep"',
            )
    focus = check.phones(raw, (*at, "focus"))
    pronunciations = _read_pronunciations(raw, at, text, check)
    audio = _read_audio_path(raw, at, check)
    tip = check.string(raw, (*at, "tip"), required=False, limit=MAX_TIP)
    if sum(i.is_error for i in check.issues) > errors_before:
        return None
    return LessonItem(
        id=item_id,
        text=text,
        type=kind,
        focus_phones=focus,
        pronunciations=pronunciations,
        audio=audio,
        tip=tip,
    )


def _read_pronunciations(
    raw: dict[str, Any], at: tuple[str | int, ...], text: str, check: _Checker
) -> dict[str, tuple[str, ...]]:
    path = (*at, "pronunciations")
    value = raw.get("pronunciations")
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.error(path, f'expected a table of word = "ARPAbet phones", got {_kind(value)}')
        return {}
    if len(value) > MAX_PRONUNCIATIONS:
        check.error(path, f"{len(value)} words; an item may override at most {MAX_PRONUNCIATIONS}")
        return {}
    words_in_text = {lexicon_key(w) for w in WORD_RE.findall(text)}
    out: dict[str, tuple[str, ...]] = {}
    for word, spec in value.items():
        where = (*path, word)
        if not isinstance(spec, str | list) or (
            isinstance(spec, list) and not all(isinstance(v, str) for v in spec)
        ):
            check.error(
                where,
                f"expected a string of ARPAbet phones such as "
                f'"R IH0 K AO1 R D" (or a list of them), got {_kind(spec)}',
            )
            continue
        if not lexicon_key(word) or any(c.isspace() for c in word.strip()):
            check.error(where, f"{word!r}: expected a single word")
            continue
        try:
            variants = parse_pronunciations(spec)
        except ValueError as exc:
            check.error(where, f"{exc}")
            continue
        if lexicon_key(word) not in words_in_text:
            check.warn(where, f"{word!r} does not occur in the item text {text!r}")
        out[word.strip().lower()] = tuple(" ".join(v) for v in variants)
    return out


def _read_audio_path(raw: dict[str, Any], at: tuple[str | int, ...], check: _Checker) -> str | None:
    path = (*at, "audio")
    if "audio" not in raw:
        return None
    value = raw["audio"]
    if not isinstance(value, str) or not value.strip():
        check.error(path, f'expected a path such as "audio/think.wav", got {_kind(value)}')
        return None
    problem = unsafe_relative_path(value)
    if problem:
        check.error(path, f"{value!r}: {problem}")
        return None
    if PurePosixPath(value).suffix.lower() not in AUDIO_SUFFIXES:
        check.error(path, f"{value!r}: expected a {', '.join(AUDIO_SUFFIXES)} file")
        return None
    return value.strip()


def unsafe_relative_path(name: str) -> str | None:
    """Why ``name`` may not be used as a path inside a pack, or ``None`` if it is safe."""
    if "\\" in name or "\x00" in name:
        return "use '/' to separate folders, and no control characters"
    if any(ord(c) < 32 for c in name):
        return "control characters are not allowed in file names"
    posix = PurePosixPath(name)
    if posix.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return "expected a path relative to the pack folder, not an absolute path"
    if any(part == ".." for part in posix.parts):
        return "'..' is not allowed: files must stay inside the pack folder"
    if not posix.parts or name.endswith("/"):
        return "expected a file name"
    return None
