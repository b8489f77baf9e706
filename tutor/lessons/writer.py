"""Write a :class:`LessonPack` back as a ``pack.toml`` manifest.

Only the small subset of TOML a manifest needs: basic strings (escaped per the TOML spec),
integers, arrays of strings and inline tables of strings. ``tomllib`` reads the output back
to an equal pack (tested).
"""

from __future__ import annotations

import os
from pathlib import Path

from tutor.atomic import open_atomic

from .model import FORMAT_VERSION, MANIFEST_NAME, LessonPack

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    bare = name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    return name if bare else toml_string(name)


def _array(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def dump_manifest(pack: LessonPack) -> str:
    lines = [
        "# Tutor lesson pack. Edit with any text editor, then run `tutor lesson validate`.",
        f"format = {FORMAT_VERSION}",
        "",
        "[pack]",
        f"id = {toml_string(pack.id)}",
        f"title = {toml_string(pack.title)}",
    ]
    if pack.author:
        lines.append(f"author = {toml_string(pack.author)}")
    lines.append(f"level = {toml_string(pack.level)}")
    lines.append(f"accent = {toml_string(pack.accent)}")
    if pack.description:
        lines.append(f"description = {toml_string(pack.description)}")
    if pack.focus_phones:
        lines.append(f"focus = {_array(pack.focus_phones)}")
    for item in pack.items:
        lines += ["", "[[items]]", f"id = {toml_string(item.id)}"]
        lines.append(f"type = {toml_string(item.type.value)}")
        lines.append(f"text = {toml_string(item.text)}")
        if item.focus_phones:
            lines.append(f"focus = {_array(item.focus_phones)}")
        if item.pronunciations:
            entries = ", ".join(
                f"{_key(word)} = "
                + (toml_string(variants[0]) if len(variants) == 1 else _array(variants))
                for word, variants in item.pronunciations.items()
            )
            lines.append(f"pronunciations = {{ {entries} }}")
        if item.audio:
            lines.append(f"audio = {toml_string(item.audio)}")
        if item.tip:
            lines.append(f"tip = {toml_string(item.tip)}")
    return "\n".join(lines) + "\n"


def write_manifest(pack: LessonPack, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/pack.toml`` atomically (temporary file, fsync, rename)."""
    target = Path(folder) / MANIFEST_NAME
    with open_atomic(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(dump_manifest(pack))
    return target
