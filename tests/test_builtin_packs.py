"""The shipped curriculum: enough packs and items, all valid, covering the hard sounds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tutor.lessons import ItemType, load_builtin_packs, validate_folder
from tutor.paths import builtin_lessons_dir

FOLDERS = sorted(p for p in builtin_lessons_dir().iterdir() if (p / "pack.toml").is_file())


def test_size_of_the_curriculum() -> None:
    packs = load_builtin_packs()
    assert len(packs) >= 10 and len(packs) == len(FOLDERS)
    assert sum(len(p.items) for p in packs) >= 200
    assert len({p.id for p in packs}) == len(packs)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_pack_validates_without_warnings(folder: Path) -> None:
    report = validate_folder(folder)
    assert report.ok, "\n".join(map(str, report.issues))
    assert report.warnings == [], "\n".join(map(str, report.warnings))
    pack = report.pack
    assert pack is not None and pack.id == folder.name
    assert pack.title and pack.description and pack.focus_phones
    assert all(item.tip and item.focus_phones for item in pack.items)


def test_coverage_of_what_learners_struggle_with() -> None:
    packs = load_builtin_packs()
    focus = Counter(ph for p in packs for i in p.items for ph in i.focus_phones)
    for phone in ("TH", "DH", "R", "L", "V", "W", "IH", "IY", "UH", "UW", "AE", "EH", "Z"):
        assert focus[phone] >= 5, phone
    kinds = Counter(i.type for p in packs for i in p.items)
    assert all(kinds[k] >= 10 for k in ItemType)
    texts = {i.text for p in packs for i in p.items}
    for pair in (
        "think, sink",
        "three, free",
        "they, day",
        "right, light",
        "very, wary",
        "ship, sheep",
        "full, fool",
        "bad, bed",
    ):
        assert pair in texts
    stress = [i for p in packs for i in p.items if "record" in i.pronunciations]
    assert {v[0] for i in stress for v in i.pronunciations.values()} == {
        "R EH1 K ER0 D",
        "R IH0 K AO1 R D",
    }
