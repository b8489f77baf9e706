"""The lesson editor's field helpers: ids from text, the pronunciations field, the phone
preview (no Qt)."""

from __future__ import annotations

import re
from pathlib import Path

from tutor.lessons import LessonItem
from tutor.scoring.errors import TextError

_PRON_RE = re.compile(r"^\s*([A-Za-z][A-Za-z']*)\s*=\s*(.+?)\s*$")


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def format_pronunciations(prons: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{w} = {' | '.join(v)}" for w, v in prons.items())


def parse_pronunciations_field(text: str) -> dict[str, tuple[str, ...]]:
    """``"record = R IH0 K AO1 R D; read = R EH1 D | R IY1 D"`` -> overrides.

    Raises ``ValueError`` with a message for the teacher.
    """
    out: dict[str, tuple[str, ...]] = {}
    for part in filter(str.strip, text.split(";")):
        match = _PRON_RE.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r}: write word = PHONES, e.g. record = R EH1 K ER0 D")
        out[match.group(1).lower()] = tuple(v.strip() for v in match.group(2).split("|"))
    return out


def phones_preview(item: LessonItem) -> str:
    """The item's words with their expected phones (ARPAbet and IPA), as HTML; a problem
    with the text or its pronunciations, as a warning line. Slow the first time."""
    from tutor.scoring.lexicon import pronounce
    from tutor.scoring.phones import to_ipa

    try:
        words = pronounce(item.text, item.overrides or None)
    except (TextError, ValueError) as exc:  # bad text or override: show it, never crash
        return f"⚠ {exc}"
    parts = []
    for w in words:
        phones = " ".join(w.phones)
        ipa = "".join(to_ipa(p) for p in w.phones)
        flag = {
            "g2p": " (guessed: add a pronunciation if wrong)",
            "override": " (your pronunciation)",
        }.get(w.source, "")
        parts.append(f"<b>{w.text}</b> {phones} /{ipa}/{flag}")
    return "<br>".join(parts)


def new_pack_folder(library: Path | None, pack_id: str) -> str:
    """``<library>/<pack id>`` (created) for a new pack, so a saved pack shows in the app's
    lessons at once; ``""`` (ask the teacher) without a library, a valid id, or when that
    folder is taken or cannot be made."""
    from tutor.lessons.manifest import ID_RE

    pack_id = pack_id.strip()
    if library is None or not ID_RE.match(pack_id):
        return ""
    target = library / pack_id
    if target.exists():
        return ""
    try:
        target.mkdir(parents=True)
    except OSError:
        return ""
    return str(target)
