"""Lesson manifests: parsing, precise messages, TOML writing, migrations, folders."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.lessons import (
    ItemType,
    LessonItem,
    LessonPack,
    PackError,
    dump_manifest,
    load_pack,
    parse_manifest,
    validate_folder,
    write_manifest,
)
from tutor.lessons import manifest as manifest_module

GOOD = """\
format = 1

[pack]
id = "demo"
title = "Demo pack"
level = "beginner"
accent = "en-US"
focus = ["TH"]

[[items]]
id = "think"
type = "word"
text = "think"
focus = ["TH"]
tip = "Tongue out."

[[items]]
id = "pair"
type = "minimal pair"
text = "think, sink"
focus = ["TH", "S"]
pronunciations = { think = "TH IH1 NG K" }
"""


def issue_for(text: str, field: str):
    pack, issues = parse_manifest(text, "pack.toml")
    matches = [i for i in issues if i.field == field]
    assert matches, f"no issue for {field}: {[str(i) for i in issues]}"
    return pack, matches[0]


def test_good_manifest_parses() -> None:
    pack, issues = parse_manifest(GOOD)
    assert issues == []
    assert pack is not None and pack.id == "demo" and len(pack.items) == 2
    assert pack.items[1].type is ItemType.MINIMAL_PAIR
    assert pack.items[1].pronunciations == {"think": ("TH IH1 NG K",)}
    assert pack.items[1].overrides == {"think": [["TH", "IH1", "NG", "K"]]}


def test_errors_name_file_line_and_field() -> None:
    text = GOOD.replace('text = "think"\n', "text = 42\n")
    pack, issue = issue_for(text, "items[1].text")
    assert pack is None
    assert issue.line == GOOD.splitlines().index('text = "think"') + 1
    assert "expected a string, got a number" in issue.message
    assert str(issue).startswith(f"pack.toml:{issue.line}: error: items[1].text:")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('level = "beginner"', 'level = "expert"', "pack.level", "beginner, intermediate"),
        ('accent = "en-US"', 'accent = "en-GB"', "pack.accent", "en-US"),
        ('focus = ["TH", "S"]', 'focus = ["TH", "XX"]', "items[2].focus", "not an ARPAbet"),
        ('focus = ["TH", "S"]', 'focus = ["TH1"]', "items[2].focus", "without a stress digit"),
        ('type = "word"', 'type = "poem"', "items[1].type", "minimal-pair"),
        ('id = "pair"', 'id = "think"', "items[2].id", "must be unique"),
        ('id = "pair"', 'id = "Bad Id"', "items[2].id", "lower-case"),
        ('"TH IH1 NG K"', '"TH IH1 NG QQ"', "items[2].pronunciations.think", "'QQ'"),
        ('text = "think, sink"', 'text = "think sink"', "items[2].text", "separated by a comma"),
        ('title = "Demo pack"', 'title = ""', "pack.title", "non-empty"),
    ],
)
def test_precise_messages(old: str, new: str, field: str, words: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    pack, issue = issue_for(text, field)
    assert pack is None and issue.is_error and words in issue.message
    line = max(n for n, ln in enumerate(text.splitlines(), 1) if new in ln)
    assert issue.line == line


def test_missing_required_fields_point_at_their_table() -> None:
    text = GOOD.replace('title = "Demo pack"\n', "")
    _, issue = issue_for(text, "pack.title")
    assert issue.line == 3 and "missing" in issue.message  # the [pack] header
    _, issue = issue_for(GOOD.replace('text = "think"\n', ""), "items[1].text")
    assert issue.line == 10  # the first [[items]] header


def test_unknown_keys_warn_but_load() -> None:
    pack, issues = parse_manifest(GOOD.replace('tip = "Tongue out."', 'tipp = "x"'))
    assert pack is not None
    assert [i.field for i in issues] == ["items[1].tipp"] and not issues[0].is_error


def test_toml_syntax_error_has_line() -> None:
    pack, issues = parse_manifest(GOOD.replace('id = "think"', 'id = "think'), "x.toml")
    assert pack is None and issues[0].line == 11 and "not valid TOML" in issues[0].message


def test_format_versions_and_migration(monkeypatch: pytest.MonkeyPatch) -> None:
    _, issue = issue_for(GOOD.replace("format = 1", "format = 9"), "format")
    assert "newer tutor" in issue.message and issue.line == 1
    _, issue = issue_for(GOOD.replace("format = 1\n", ""), "format")
    assert "missing" in issue.message

    # A future format 2 renamed `tip` to `hint`: the migration from 1 keeps old packs working.
    def one_to_two(data: dict) -> dict:
        for item in data.get("items", []):
            if "tip" in item:
                item["hint"] = item.pop("tip")
        return data

    def two_to_three(data: dict) -> dict:  # and format 3 went back: exercise the chain
        for item in data.get("items", []):
            if "hint" in item:
                item["tip"] = item.pop("hint")
        return data

    monkeypatch.setattr(manifest_module, "FORMAT_VERSION", 3)
    monkeypatch.setattr(manifest_module, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    pack, issues = parse_manifest(GOOD)
    assert issues == [] and pack is not None
    assert pack.items[0].tip == "Tongue out."


def test_dump_round_trips_tricky_strings() -> None:
    item = LessonItem(
        id="q",
        text='She said "hi" \\ then left.\nNew line',
        type=ItemType.SENTENCE,
        focus_phones=("DH",),
        pronunciations={"hi": ("HH AY1", "HH IY1")},
        tip="Tab\there, unicode: ð θ, control \x01",
    )
    pack = LessonPack(id="p", title="T [x] = y", items=(item,), description="d\r\n")
    text = dump_manifest(pack)
    again, issues = parse_manifest(text)
    assert not [i for i in issues if i.is_error], issues
    assert again is not None and again.items[0].pronunciations == item.pronunciations
    assert again.items[0].tip == item.tip and again.title == pack.title
    assert tomllib.loads(text)["items"][0]["text"] == item.text


def test_folder_validation_checks_words_and_audio(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    text = GOOD.replace('tip = "Tongue out."', 'tip = "x"\naudio = "audio/think.wav"')
    text = text.replace('text = "think, sink"', 'text = "thinkz, sink"')
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    report = validate_folder(folder)
    fields = {i.field: i for i in report.issues}
    assert "was not found" in fields["items[1].audio"].message
    assert fields["items[1].audio"].line == text.splitlines().index('audio = "audio/think.wav"') + 1
    (folder / "audio").mkdir()
    (folder / "audio" / "think.wav").write_bytes(b"RIFF\x00\x00not really audio")
    report = validate_folder(folder, check_phones=False)
    assert "not a readable" in report.errors[0].message
    assert not report.ok


def test_g2p_only_words_are_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_manifest(
        LessonPack(
            id="p",
            title="P",
            items=(
                LessonItem(id="a", text="The blorptastic cat", focus_phones=("AE",)),
                LessonItem(
                    id="b",
                    text="record it",
                    pronunciations={"record": ("R IH0 K AO1 R D",)},
                    focus_phones=("TH",),
                ),
            ),
        ),
        folder,
    )
    report = validate_folder(folder)
    assert report.ok
    messages = [i.message for i in report.warnings]
    assert any("'blorptastic' is not in the pronunciation dictionary" in m for m in messages)
    assert any("focus phone TH does not occur" in m for m in messages)
    assert load_pack(folder).items[1].overrides == {"record": [["R", "IH0", "K", "AO1", "R", "D"]]}


def test_load_pack_raises_with_issues(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text("format = 1\n[pack]\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack(tmp_path)
    assert {i.field for i in info.value.issues} >= {"pack.id", "pack.title", "items"}


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_bytes(b"format = 1\n\xff\xfe\n")
    report = validate_folder(tmp_path)
    assert report.errors[0].line == 2 and "UTF-8" in report.errors[0].message


toml_text = st.text(st.characters(codec="utf-8"), max_size=300)
fragments = st.lists(
    st.sampled_from(
        [
            "format = 1\n",
            "[pack]\n",
            'id = "x"\n',
            'title = "t"\n',
            'level = "beginner"\n',
            'accent = "en-US"\n',
            "[[items]]\n",
            'text = "hello there"\n',
            'type = "word"\n',
            'focus = ["TH"]\n',
            "focus = 3\n",
            "pronunciations = { a = 1 }\n",
            'audio = "../x.wav"\n',
            "items = 5\n",
            "[items.pronunciations]\n",
            'tip = """a\nb"""\n',
            "format = -1\n",
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(toml_text, fragments))
def test_fuzz_parser_never_crashes(text: str) -> None:
    pack, issues = parse_manifest(text)
    assert (pack is None) == any(i.is_error for i in issues)
    for issue in issues:
        assert issue.line is None or 1 <= issue.line <= text.count("\n") + 2
        assert str(issue)
    if pack is not None:
        assert pack.items and all(i.text for i in pack.items)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.text(min_size=1, max_size=40).filter(
            lambda s: any(c.isalpha() and c.isascii() for c in s)
        ),
        min_size=1,
        max_size=4,
    ),
    tip=st.text(max_size=50),
)
def test_fuzz_writer_round_trip(texts: list[str], tip: str) -> None:
    items = tuple(
        LessonItem(id=f"i{n}", text=t.strip() or "x", tip=tip.strip()) for n, t in enumerate(texts)
    )
    items = tuple(i for i in items if i.text.strip())
    pack = LessonPack(id="fuzz", title="Fuzz", items=items)
    again, issues = parse_manifest(dump_manifest(pack))
    errors = [i for i in issues if i.is_error]
    if again is not None:
        assert [i.text for i in again.items] == [i.text.strip() for i in items]
        assert [i.tip for i in again.items] == [i.tip for i in items]
    else:  # only a text over the length limit or without letters may fail
        assert errors


def test_writing_in_place_keeps_comments_and_only_changes_what_changed() -> None:
    original = (
        '# my notes\nformat = 1\n\n[pack]\nid = "p"  # never change this\ntitle = "Old"\n'
        'level = "beginner"\naccent = "en-US"\n\n[[items]]\nid = "a"\ntype = "word"\n'
        'text = "think"\ntip = "Tongue out."  # from the book\n'
    )
    pack, issues = parse_manifest(original)
    assert pack is not None and not issues
    assert dump_manifest(pack, original) == original  # nothing changed: byte for byte
    changed = dataclasses.replace(
        pack,
        title="New",
        items=(
            dataclasses.replace(pack.items[0], tip=""),
            LessonItem(id="b", text="three", focus_phones=("TH",)),
        ),
    )
    text = dump_manifest(changed, original)
    assert "# my notes" in text and 'id = "p"  # never change this' in text
    assert 'title = "New"' in text and "Tongue out." not in text
    again, issues = parse_manifest(text)
    assert again is not None and not [i for i in issues if i.is_error]
    assert [i.id for i in again.items] == ["a", "b"] and again.items[1].focus_phones == ("TH",)
    # not TOML, or not a manifest's shape: a fresh manifest, never a crash
    assert parse_manifest(dump_manifest(changed, "this is [not toml"))[0] == again
    assert parse_manifest(dump_manifest(changed, "format = 1\npack = 3\n"))[0] == again
