"""Hostile packs are bounded, and every refusal names the file, the line and the limit
(issue 13, cases 5, 6, 7 and the "zip bomb?" message of 11)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.lessons import (
    PackError,
    extract_pack,
    import_pack,
    load_all_packs,
    load_builtin_packs,
    parse_manifest,
    user_packs_dir,
    validate_pack,
)
from tutor.lessons import manifest as manifest_module
from tutor.lessons.archive import MAX_RATIO
from tutor.lessons.manifest import MAX_ITEMS, MAX_MANIFEST_BYTES, MAX_NESTING
from tutor.lessons.validate import GuessBudget, validate_folder

HEAD = """format = 1
[pack]
id = "hostile"
title = "Hostile"
level = "beginner"
accent = "en-US"
"""


def item(n: int, text: str) -> str:
    return f'\n[[items]]\nid = "i{n}"\ntext = "{text}"\n'


def deep_manifest() -> str:
    """About 1.2 kB: arrays nested 600 deep (tomllib recurses once per level)."""
    return HEAD + item(0, "think") + "junk = " + "[" * 600 + "]" * 600 + "\n"


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    return folder


def test_deep_nesting_is_an_error_with_a_line_not_a_recursion_error() -> None:
    text = deep_manifest()
    assert len(text.encode()) < 1500
    pack, issues = parse_manifest(text, "pack.toml")
    assert pack is None and len(issues) == 1
    assert issues[0].line == 11 and str(MAX_NESTING) in issues[0].message
    assert str(issues[0]).startswith("pack.toml:11: error:")


def test_deep_nesting_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write(tmp_path / "deep", deep_manifest())
    assert main(["lesson", "validate", str(folder)]) == 1
    assert main(["lesson", "import", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert f"{folder / 'pack.toml'}:11: error:" in captured.out
    assert "nested more than" in captured.err


def test_a_hostile_pack_in_the_lessons_folder_keeps_the_builtin_packs() -> None:
    write(user_packs_dir() / "deep", deep_manifest())
    builtin = {p.id for p in load_builtin_packs()}
    assert len(builtin) >= 12
    assert {p.id for p in load_all_packs()} == builtin


def test_too_many_items_names_the_line_and_the_limit() -> None:
    text = HEAD + "".join(item(n, "think") for n in range(MAX_ITEMS + 1))
    pack, issues = parse_manifest(text, "pack.toml")
    assert pack is None
    assert issues[0].field == f"items[{MAX_ITEMS + 1}]"  # the first item too many
    assert issues[0].line == 8 + 4 * MAX_ITEMS and f"at most {MAX_ITEMS}" in issues[0].message


def test_too_many_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_module, "MAX_WORDS", 20)
    text = HEAD + "".join(item(n, "think about it now") for n in range(10))
    pack, issues = parse_manifest(text, "pack.toml")
    assert pack is None
    [error] = [i for i in issues if i.is_error]
    assert error.field == "items[6].text" and error.line == 30
    assert "at most 20" in error.message


def test_manifest_over_the_limit_has_its_own_message(tmp_path: Path) -> None:
    big = HEAD + item(0, "think") + ("#" + "x" * 99 + "\n") * (MAX_MANIFEST_BYTES // 100 + 10)
    path = tmp_path / "big.tutorpack"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pack.toml", big)
    with pytest.raises(PackError) as caught:
        extract_pack(path, tmp_path / "out")
    message = str(caught.value)
    assert "big.tutorpack" in message and "pack.toml" in message
    assert f"at most {MAX_MANIFEST_BYTES // 1000} kB" in message and "bomb" not in message
    pack, issues = parse_manifest(big, "pack.toml")  # the same limit on a folder
    assert pack is None and f"at most {MAX_MANIFEST_BYTES // 1000} kB" in issues[0].message


def many_near_megabyte_entries(path: Path, count: int = 24) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("pack.toml", HEAD + item(0, "think"))
        for n in range(count):
            zf.writestr(f"notes/{n}.txt", bytes(999_000))
    path.write_bytes(buf.getvalue())
    return path


def test_many_entries_just_under_a_megabyte_are_refused(tmp_path: Path) -> None:
    path = many_near_megabyte_entries(tmp_path / "bomb.tutorpack")
    assert path.stat().st_size < 200_000  # ~24 MB inside
    with pytest.raises(PackError) as caught:
        import_pack(path)
    assert f"more than {MAX_RATIO} times" in str(caught.value)
    assert "bomb.tutorpack" in str(caught.value)
    library = user_packs_dir()
    assert (
        not library.exists()
        or sum(p.stat().st_size for p in library.rglob("*") if p.is_file()) == 0
    )
    report = validate_pack(path)
    assert not report.ok and "times" in report.errors[0].message


def invented(n: int) -> str:
    letters = "bcdfgklmnprstvz"
    word = ""
    while True:
        word += letters[n % len(letters)] + "o"
        n //= len(letters)
        if not n:
            return "zq" + word + "x"


def test_guessing_unknown_words_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.scoring.lexicon import Lexicon

    guessed: list[str] = []

    def fake_guess(self, word, key):
        guessed.append(key)
        return ("Z", "OW1")

    monkeypatch.setattr(Lexicon, "_guess", fake_guess)
    text = HEAD + "".join(
        item(n, f"{invented(3 * n)} {invented(3 * n + 1)} {invented(3 * n + 2)}") for n in range(40)
    )
    folder = write(tmp_path / "words", text)
    seen: list[tuple[int, int, int]] = []
    report = validate_folder(
        folder,
        check_audio=False,
        budget=GuessBudget(max_words=10),
        progress=lambda *a: seen.append(a),
    )
    assert len(set(guessed)) <= 10
    [error] = report.errors
    assert error.field == "items[4].text" and error.line is not None
    assert "more than 10 different words" in error.message
    assert seen[-1] == (40, 40, 9)


def test_guessing_has_a_time_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.scoring.lexicon import Lexicon

    monkeypatch.setattr(Lexicon, "_guess", lambda self, word, key: ("Z", "OW1"))
    ticks = iter(range(0, 10_000, 25))  # a clock that moves 25 s per look
    text = HEAD + "".join(item(n, invented(n)) for n in range(10))
    report = validate_folder(
        write(tmp_path / "slow", text),
        check_audio=False,
        budget=GuessBudget(max_seconds=60, clock=lambda: next(ticks)),
    )
    [error] = report.errors
    assert "more than 60 s" in error.message and error.field == "items[3].text"


def test_cli_shows_progress_on_big_packs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEAD + "".join(item(n, "think") for n in range(250))
    folder = write(tmp_path / "big", text)
    assert main(["lesson", "validate", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "checked 100/250 items" in err and "checked 250/250 items" in err
