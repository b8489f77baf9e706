"""Write a :class:`LessonPack` back as a ``pack.toml`` manifest, with tomlkit.

Given the manifest's current text, only what changed is rewritten: the teacher's comments,
blank lines and key order survive a round trip through the editor. ``tomllib`` reads the
output back to an equal pack (tested).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from tutor.atomic import open_atomic

from .model import FORMAT_VERSION, MANIFEST_NAME, LessonItem, LessonPack

HEADER = "Tutor lesson pack. Edit with any text editor, then run `tutor lesson validate`."


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string."""
    return tomlkit.string(value).as_string()


def _pack_fields(pack: LessonPack) -> list[tuple[str, Any]]:
    """``(key, value)`` in manifest order; ``None``: the key is left out."""
    return [
        ("id", pack.id),
        ("title", pack.title),
        ("author", pack.author or None),
        ("level", pack.level),
        ("accent", pack.accent),
        ("description", pack.description or None),
        ("focus", list(pack.focus_phones) or None),
    ]


def _pronunciations(item: LessonItem) -> Any:
    if not item.pronunciations:
        return None
    table = tomlkit.inline_table()
    for word, variants in item.pronunciations.items():
        table[word] = variants[0] if len(variants) == 1 else list(variants)
    return table


def _item_fields(item: LessonItem) -> list[tuple[str, Any]]:
    return [
        ("id", item.id),
        ("type", item.type.value),
        ("text", item.text),
        ("focus", list(item.focus_phones) or None),
        ("pronunciations", _pronunciations(item)),
        ("audio", item.audio or None),
        ("tip", item.tip or None),
    ]


def _update(table: Table | TOMLDocument, fields: Iterable[tuple[str, Any]]) -> None:
    """Set each field (left alone when equal, so its line and comment stay as written),
    remove the ones that are now empty."""
    for key, value in fields:
        if value is None:
            if key in table:
                del table[key]
        elif key not in table or table[key].unwrap() != _plain(value):
            table[key] = value


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _fresh() -> TOMLDocument:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(HEADER))
    doc.add("format", FORMAT_VERSION)
    return doc


def _parse(original: str | None) -> TOMLDocument | None:
    if not original:
        return None
    try:
        doc = tomlkit.parse(original)
    except TOMLKitError:
        return None
    pack, items = doc.get("pack"), doc.get("items")
    if not isinstance(pack, Table) or (items is not None and not isinstance(items, AoT)):
        return None  # not a shape we can edit in place: write a fresh manifest
    if doc.get("format") != FORMAT_VERSION:
        return None  # an older format was migrated on reading: write the current one
    return doc


def dump_manifest(pack: LessonPack, original: str | None = None) -> str:
    """The manifest for ``pack``; with ``original`` (the current ``pack.toml``), that text
    with only the changes made (comments and layout kept)."""
    doc = _parse(original)
    if doc is None:
        doc = _fresh()
        doc.add(tomlkit.nl())
        doc.add("pack", tomlkit.table())
    pack_table = doc["pack"]
    assert isinstance(pack_table, Table)
    _update(pack_table, _pack_fields(pack))
    items = doc.get("items")
    tables = list(items) if isinstance(items, AoT) else []
    by_id = {str(t.get("id")): t for t in tables}
    chosen = []
    for item in pack.items:
        table = by_id.pop(item.id, None) or tomlkit.table()
        _update(table, _item_fields(item))
        chosen.append(table)
    if isinstance(items, AoT) and chosen:  # reorder in place: the layout stays
        while len(items):
            del items[0]
        for table in chosen:
            items.append(table)
    elif chosen:
        doc.add(tomlkit.nl())
        doc.add("items", tomlkit.aot())
        for table in chosen:
            doc["items"].append(table)
    elif "items" in doc:
        del doc["items"]
    text = tomlkit.dumps(doc)
    return text if text.endswith("\n") else text + "\n"


def write_manifest(
    pack: LessonPack, folder: str | os.PathLike[str], original: str | None = None
) -> Path:
    """Write ``folder/pack.toml`` atomically (see :func:`dump_manifest` for ``original``)."""
    target = Path(folder) / MANIFEST_NAME
    with open_atomic(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(dump_manifest(pack, original))
    return target
