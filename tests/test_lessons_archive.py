"""``.tutorpack`` archives: export, import, and refusing hostile zips."""

from __future__ import annotations

import io
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.lessons import (
    LessonItem,
    LessonPack,
    PackError,
    extract_pack,
    import_pack,
    load_user_packs,
    validate_pack,
    write_manifest,
    write_pack_archive,
)
from tutor.lessons import archive as archive_module

MANIFEST = """format = 1
[pack]
id = "class-7b"
title = "Class 7B"
level = "beginner"
accent = "en-US"
[[items]]
id = "ship"
type = "word"
text = "ship"
focus = ["IH"]
audio = "audio/ship.wav"
"""


@pytest.fixture
def pack_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "class-7b"
    (folder / "audio").mkdir(parents=True)
    (folder / "pack.toml").write_text(MANIFEST, encoding="utf-8")
    tone = 0.2 * np.sin(np.linspace(0, 2 * np.pi * 220, 8000)).astype(np.float32)
    sf.write(folder / "audio" / "ship.wav", tone, 16000)
    (folder / "notes.md").write_text("For Monday.", encoding="utf-8")
    (folder / "run.sh").write_text("rm -rf /", encoding="utf-8")  # never shipped
    return folder


def make_zip(path: Path, entries: dict[str, bytes], *, mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def test_export_and_import_round_trip(pack_folder: Path, tmp_path: Path) -> None:
    out = write_pack_archive(pack_folder, tmp_path / "share" / "class.tutorpack")
    names = zipfile.ZipFile(out).namelist()
    assert sorted(names) == ["audio/ship.wav", "notes.md", "pack.toml"]
    report = validate_pack(out)
    assert report.ok and report.pack is not None and report.pack.root is None
    pack, report = import_pack(out)
    assert pack.id == "class-7b" and pack.items[0].reference_audio is not None
    assert (
        pack.items[0].reference_audio.read_bytes()
        == (pack_folder / "audio" / "ship.wav").read_bytes()
    )
    assert [p.id for p in load_user_packs()] == ["class-7b"]
    with pytest.raises(PackError, match="already installed"):
        import_pack(out)
    pack, _ = import_pack(pack_folder, replace=True)  # a folder works too
    assert pack.title == "Class 7B"


def test_zip_with_top_folder_is_accepted(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "p.tutorpack",
        {"mine/pack.toml": MANIFEST.replace('audio = "audio/ship.wav"\n', "").encode()},
    )
    target = extract_pack(archive, tmp_path / "out")
    assert (target / "pack.toml").is_file()


def test_import_refuses_builtin_ids(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    write_manifest(
        LessonPack(id="th-sounds", title="Mine", items=(LessonItem(id="a", text="think"),)), folder
    )
    with pytest.raises(PackError, match="built-in"):
        import_pack(folder)


def test_bad_audio_is_reported_not_crashed_on(pack_folder: Path, tmp_path: Path) -> None:
    (pack_folder / "audio" / "ship.wav").write_bytes(b"RIFF" + bytes(200))
    report = validate_pack(pack_folder)
    assert not report.ok and report.errors[0].field == "items[1].audio"
    with pytest.raises(PackError, match="not a readable"):
        import_pack(pack_folder)
    assert load_user_packs() == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.toml", "'..'"),
        ("a/../../evil.md", "'..'"),
        ("/etc/evil.toml", "absolute"),
        ("C:/evil.toml", "absolute"),
        ("a\\..\\evil.toml", "'/'"),
        ("payload.py", ".py files are not allowed"),
        ("lib.so", "not allowed"),
    ],
)
def test_hostile_entry_names_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    archive = make_zip(tmp_path / "bad.tutorpack", {"pack.toml": MANIFEST.encode(), name: b"x"})
    with pytest.raises(PackError, match=reason):
        extract_pack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.toml").exists() and not (tmp_path.parent / "evil.md").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.tutorpack"]


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "l.tutorpack", {"pack.toml": b"/etc/passwd"}, mode=stat.S_IFLNK | 0o777
    )
    with pytest.raises(PackError, match="symbolic links"):
        extract_pack(archive, tmp_path / "out")


def test_oversize_packs_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "MAX_FILE_BYTES", 1000)
    big = make_zip(
        tmp_path / "big.tutorpack", {"pack.toml": MANIFEST.encode(), "a.wav": bytes(5000)}
    )
    with pytest.raises(PackError, match="at most"):
        extract_pack(big, tmp_path / "out")
    monkeypatch.setattr(archive_module, "MAX_ENTRIES", 3)
    many = make_zip(
        tmp_path / "many.tutorpack",
        {"pack.toml": MANIFEST.encode(), **{f"{i}.txt": b"" for i in range(5)}},
    )
    with pytest.raises(PackError, match="at most 3"):
        extract_pack(many, tmp_path / "out")


def test_lying_sizes_are_caught_while_inflating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip whose header claims a small file but inflates to a big one."""
    path = make_zip(
        tmp_path / "lie.tutorpack", {"pack.toml": MANIFEST.encode(), "big.txt": b"a" * 50_000}
    )
    monkeypatch.setattr(archive_module, "MAX_FILE_BYTES", 10_000)
    real = zipfile.ZipFile.infolist

    def shrunk(self: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        infos = real(self)
        for info in infos:
            if info.filename == "big.txt":
                info.file_size = 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", shrunk)
    with pytest.raises(PackError):
        extract_pack(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "junk.tutorpack"
    path.write_bytes(b"PK\x03\x04 definitely not a zip")
    report = validate_pack(path)
    assert report.pack is None and "not a .tutorpack" in report.errors[0].message


names = st.one_of(
    st.sampled_from(
        [
            "pack.toml",
            "audio/a.wav",
            "../x.toml",
            "/abs.md",
            "a/../../b.txt",
            "x.exe",
            "dir/",
            "a\\b.txt",
            "ok.md",
            "deep/er/c.ogg",
            "",
            ".",
        ]
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    entries=st.lists(st.tuples(names, st.binary(max_size=200)), max_size=6),
    with_manifest=st.booleans(),
)
def test_fuzz_importer_only_raises_pack_error(
    tmp_path: Path, entries: list[tuple[str, bytes]], with_manifest: bool
) -> None:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are part of the test
        if with_manifest:
            zf.writestr("pack.toml", MANIFEST)
        for name, data in entries:
            try:
                zf.writestr(name or "empty", data)
            except (ValueError, UnicodeEncodeError, IndexError):  # names zipfile cannot write
                continue
    work = Path(tempfile.mkdtemp(prefix="case-", dir=tmp_path))  # hypothesis may repeat a case
    archive = work / "f.tutorpack"
    archive.write_bytes(buf.getvalue())
    target = work / "out" / "pack"
    try:
        extract_pack(archive, target)
    except PackError as exc:
        assert exc.issues and str(exc)
        assert not target.exists()
    else:
        assert (target / "pack.toml").is_file()
        for path in target.rglob("*"):
            assert path.resolve().is_relative_to(target.resolve())
            assert not path.is_symlink()
    outside = {p.name for p in work.iterdir()}
    assert outside <= {"f.tutorpack", "out"}
    report = validate_pack(archive)  # the whole validation path never raises either
    assert report.ok or report.errors
