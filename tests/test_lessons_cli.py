"""``tutor lesson new | validate | pack | import`` end to end (in-process)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.lessons import load_user_packs


def test_new_validate_pack_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "Year 7 TH"
    assert main(["lesson", "new", str(folder), "--author", "Ms Li"]) == 0
    assert main(["lesson", "new", str(folder)]) == 1  # never overwrites
    assert main(["lesson", "validate", str(folder)]) == 0
    assert "ok (1 items, 0 errors, 0 warnings)" in capsys.readouterr().out

    out = tmp_path / "usb" / "y7.tutorpack"
    assert main(["lesson", "pack", str(folder), "-o", str(out)]) == 0
    assert zipfile.ZipFile(out).namelist() == ["pack.toml"]
    assert main(["lesson", "validate", str(out)]) == 0
    assert main(["lesson", "import", str(out)]) == 0
    assert [p.id for p in load_user_packs()] == ["year-7-th"]
    assert main(["lesson", "import", str(out)]) == 1
    assert "already installed" in capsys.readouterr().err
    assert main(["lesson", "import", str(out), "--replace"]) == 0


def test_validate_reports_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "p"
    main(["lesson", "new", str(folder)])
    manifest = folder / "pack.toml"
    manifest.write_text(
        manifest.read_text().replace('level = "beginner"', 'level = "hard"')
        + '\n[[items]]\nid = "x"\ntext = "zorblatt"\n',
        encoding="utf-8",
    )
    assert main(["lesson", "validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{manifest}:7: error: pack.level: 'hard': expected one of" in out
    assert main(["lesson", "pack", str(folder)]) == 1
    manifest.write_text(manifest.read_text().replace('"hard"', '"advanced"'), encoding="utf-8")
    assert main(["lesson", "validate", str(folder)]) == 0  # a guessed word is a warning
    assert "'zorblatt' is not in the pronunciation dictionary" in capsys.readouterr().out
    assert main(["lesson", "validate", "--strict", str(folder)]) == 1


def test_import_of_a_hostile_zip_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.tutorpack"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("pack.toml", "format = 1")
        zf.writestr("../../escape.txt", "x")
    assert main(["lesson", "import", str(bad)]) == 1
    assert "'..' is not allowed" in capsys.readouterr().err
    assert not (tmp_path.parent / "escape.txt").exists()


def test_list_shows_the_packs_and_names_a_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tutor.lessons import user_packs_dir

    assert main(["lesson", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.strip() and "items" in listed
    broken = user_packs_dir() / "class-3"
    broken.mkdir(parents=True)
    (broken / "pack.toml").write_text("title = \n", encoding="utf-8")
    assert main(["lesson", "list"]) == 1
    out, err = capsys.readouterr()
    assert out == listed  # the other packs are all still there
    assert "'class-3' could not be read" in err
