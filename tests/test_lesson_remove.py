"""Removing an imported lesson pack: ``tutor.lessons.remove_pack`` and ``tutor lesson remove``.

All or nothing, never a built-in pack, never through a link out of the lessons folder, a
read-only folder explained in words, and the learner's progress on the pack kept."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from pathlib import Path

import pytest
from progress_helpers import make_result

from tutor.cli import main
from tutor.core import load_library
from tutor.lessons import (
    LessonItem,
    LessonPack,
    RemoveError,
    import_pack,
    installed_packs,
    load_user_packs,
    removable_packs,
    remove_pack,
    user_packs_dir,
    write_manifest,
)
from tutor.lessons import removal as removal_module
from tutor.lessons.library import REMOVING_PREFIX, clean_library
from tutor.progress import ProgressStore


def _chmod_protects() -> bool:
    """Whether a folder made read-only refuses this process (not for root, as a rule)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        locked = Path(tmp) / "locked"
        locked.mkdir(mode=0o555)
        try:
            (locked / "probe").mkdir()
        except PermissionError:
            return True
        finally:
            locked.chmod(0o755)
        return False


CHMOD_IGNORED = not _chmod_protects()


@pytest.fixture(autouse=True)
def builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One built-in pack, ``starter``, in a folder of its own (``TUTOR_LESSONS``)."""
    folder = tmp_path / "builtin"
    write_pack(folder / "starter", "starter", "Starter")
    monkeypatch.setenv("TUTOR_LESSONS", str(folder))
    return folder


def write_pack(folder: Path, pack_id: str, title: str) -> Path:
    items = (
        LessonItem(id="one", text="think", focus_phones=("TH",)),
        LessonItem(id="two", text="three", focus_phones=("TH", "R")),
    )
    write_manifest(LessonPack(id=pack_id, title=title, items=items), folder)
    return folder


def install(tmp_path: Path, pack_id: str = "class-7b", title: str = "Class 7B") -> Path:
    """Import a pack into the learner's lessons folder, as ``tutor lesson import`` does."""
    source = write_pack(tmp_path / "src" / pack_id, pack_id, title)
    (source / "audio").mkdir()
    (source / "audio" / "one.txt").write_text("notes")  # more than a manifest to delete
    pack, _ = import_pack(source)
    assert pack.root is not None
    return pack.root


def listing() -> list[str]:
    """The names under the lessons folder, hidden ones too."""
    return sorted(p.name for p in user_packs_dir().iterdir())


def import_running() -> Path:
    """The work folder of an import running now: while it is there, nothing is tidied."""
    busy = user_packs_dir() / ".import-busy"
    busy.mkdir()
    (busy / "owner.pid").write_text(str(os.getpid()))
    return busy


# --- the core ------------------------------------------------------------------------------


def test_removes_an_imported_pack_and_keeps_its_progress(tmp_path: Path) -> None:
    folder = install(tmp_path)
    install(tmp_path, "other", "Other pack")
    store = ProgressStore(tmp_path / "progress.sqlite3")
    store.record_attempt("default", "class-7b", "one", make_result("think", {"TH": 0.3}))
    store.record_attempt("default", "class-7b", "two", make_result("three"))

    removed = remove_pack("class-7b")

    assert not folder.exists()
    assert listing() == ["other"]  # no hidden leftover either
    assert [p.id for p in load_user_packs()] == ["other"]
    assert "class-7b" not in {p.id for p in load_library().packs}
    message = removed.message()
    assert "Removed 'Class 7B' (class-7b)" in message
    assert "progress" in message and "importing the pack again brings" in message
    # progress is keyed by (learner, pack id, item id), not by the folder: it is all still there
    assert len(store.attempts("default", "class-7b")) == 2
    install(tmp_path / "again")
    records = store.attempt_records("default", "class-7b")
    pack = next(p for p in load_library().packs if p.id == "class-7b")
    assert {r.item for r in records} == {item.id for item in pack.items} == {"one", "two"}
    store.close()


def test_a_built_in_pack_is_refused(tmp_path: Path, builtin: Path) -> None:
    install(tmp_path)
    with pytest.raises(RemoveError, match="'starter' is a built-in lesson pack: it ships with"):
        remove_pack("starter")
    assert (builtin / "starter" / "pack.toml").is_file()
    assert [p.name for p in removable_packs()] == ["class-7b"]


def test_a_copy_of_a_built_in_pack_is_named_not_removed(tmp_path: Path) -> None:
    copy = write_pack(user_packs_dir() / "starter", "starter", "My copy")  # copied in by hand
    with pytest.raises(RemoveError) as caught:
        remove_pack("starter")
    assert "built-in" in str(caught.value) and str(copy) in str(caught.value)
    assert (copy / "pack.toml").is_file()
    assert removable_packs() == []


def test_an_unknown_id_names_the_installed_packs(tmp_path: Path) -> None:
    install(tmp_path)
    install(tmp_path, "year-8", "Year 8")
    with pytest.raises(RemoveError) as caught:
        remove_pack("class-7")
    assert str(caught.value) == (
        "No installed lesson pack is called 'class-7'. Installed packs: class-7b, year-8."
    )
    assert listing() == ["class-7b", "year-8"]


def test_an_unknown_id_with_nothing_installed() -> None:
    with pytest.raises(RemoveError, match="No lesson packs are installed"):
        remove_pack("anything")


def test_a_link_out_of_the_library_is_never_followed(tmp_path: Path) -> None:
    outside = write_pack(tmp_path / "teacher" / "shared", "shared", "Shared")
    library = user_packs_dir()
    library.mkdir(parents=True)
    (library / "shared").symlink_to(outside, target_is_directory=True)
    assert [p.name for p in installed_packs()] == ["shared"]  # it is listed, and loads

    with pytest.raises(RemoveError, match="is a link to .*nothing was removed"):
        remove_pack("shared")
    assert (outside / "pack.toml").is_file()
    assert (library / "shared").is_symlink()


def test_links_inside_a_pack_are_removed_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.wav").write_bytes(b"RIFF")
    folder = install(tmp_path)
    (folder / "audio" / "dir-link").symlink_to(precious, target_is_directory=True)
    (folder / "audio" / "file-link.wav").symlink_to(precious / "keep.wav")

    remove_pack("class-7b")

    assert not folder.exists() and listing() == []
    assert (precious / "keep.wav").read_bytes() == b"RIFF"


@pytest.mark.skipif(CHMOD_IGNORED, reason="read-only folders do not stop root: see the next test")
def test_a_read_only_library_is_explained(tmp_path: Path) -> None:
    folder = install(tmp_path)
    library = user_packs_dir()
    library.chmod(0o555)
    try:
        with pytest.raises(RemoveError) as caught:
            remove_pack("class-7b")
    finally:
        library.chmod(0o755)
    assert str(caught.value) == (
        f"'class-7b' was not removed: you may not write in this folder ({library})."
    )
    assert listing() == ["class-7b"] and [p.id for p in load_user_packs()] == ["class-7b"]
    assert (folder / "audio" / "one.txt").is_file()


def test_a_refused_rename_leaves_the_pack_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only folder where chmod cannot make one (as root): the rename is refused."""
    folder = install(tmp_path)

    def refused(self: Path, target: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    with monkeypatch.context() as patched, pytest.raises(RemoveError) as caught:
        patched.setattr(Path, "rename", refused)
        remove_pack("class-7b")
    assert "'class-7b' was not removed: you may not write in this folder" in str(caught.value)
    assert listing() == ["class-7b"] and [p.id for p in load_user_packs()] == ["class-7b"]
    assert (folder / "audio" / "one.txt").is_file()


def test_a_removal_killed_after_the_rename_leaves_no_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the rename and the delete: the whole pack sits under a hidden name,
    which no list reads as a pack and the next start deletes."""
    install(tmp_path)
    install(tmp_path, "other", "Other")
    monkeypatch.setattr(removal_module, "_delete", lambda trash: None)
    remove_pack("class-7b")
    library = user_packs_dir()
    [hidden] = [p for p in library.iterdir() if p.name.startswith(REMOVING_PREFIX)]
    assert (hidden / "pack.toml").is_file()  # the whole pack, under its hidden name

    busy = import_running()
    assert [p.id for p in load_library().packs] == ["starter", "other"]
    assert load_library().problems == ()
    assert [p.name for p in installed_packs()] == ["other"]
    (busy / "owner.pid").unlink()
    assert [p.id for p in load_user_packs()] == ["other"]  # which also tidies it away
    assert listing() == ["other"]


def test_a_removal_killed_while_deleting_breaks_no_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed half-way through deleting: `lesson list` shows the other packs, no problem."""
    install(tmp_path)
    install(tmp_path, "other", "Other")
    real_rmtree = shutil.rmtree

    def killed(path: Path, **_: object) -> None:
        (Path(path) / "audio" / "one.txt").unlink()  # some files gone, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(removal_module.shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        remove_pack("class-7b")
    monkeypatch.setattr(removal_module.shutil, "rmtree", real_rmtree)
    assert any(p.name.startswith(REMOVING_PREFIX) for p in user_packs_dir().iterdir())

    busy = import_running()
    library = load_library()
    assert library.problems == ()
    assert [p.id for p in library.packs] == ["starter", "other"]
    assert [p.name for p in installed_packs()] == ["other"]

    busy.joinpath("owner.pid").unlink()  # the import is over: the next start tidies
    assert [p.id for p in load_library().packs] == ["starter", "other"]
    assert listing() == ["other"]
    assert clean_library() == []


def test_a_broken_pack_is_removed_by_its_folder_name(tmp_path: Path) -> None:
    install(tmp_path)
    broken = user_packs_dir() / "half-copied"
    broken.mkdir()
    (broken / "pack.toml").write_text("format = 1\nid = [", encoding="utf-8")
    assert "half-copied (cannot be read)" in [p.label() for p in installed_packs()]

    removed = remove_pack("half-copied")
    assert listing() == ["class-7b"]
    assert "Removed the pack in" in removed.message()


@pytest.mark.skipif(CHMOD_IGNORED, reason="read-only folders do not stop root")
def test_read_only_files_inside_a_pack_are_deleted_too(tmp_path: Path) -> None:
    folder = install(tmp_path)
    (folder / "audio").chmod(0o555)  # as copied from a locked USB stick
    remove_pack("class-7b")
    assert listing() == []


# --- the command line ------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_remove_with_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install(tmp_path)
    assert main(["lesson", "remove", "class-7b", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Removed 'Class 7B' (class-7b)" in out and "importing the pack again" in out
    assert main(["lesson", "list"]) == 0
    assert "class-7b" not in capsys.readouterr().out


def test_cli_without_a_terminal_asks_for_yes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # piped: not a person answering
    assert main(["lesson", "remove", "class-7b"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert listing() == ["class-7b"]


@pytest.mark.parametrize(("answer", "code", "left"), [("y", 0, []), ("n", 1, ["class-7b"])])
def test_cli_asks_at_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    left: list[str],
) -> None:
    install(tmp_path)
    questions: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr(builtins, "input", lambda q: questions.append(q) or answer)
    assert main(["lesson", "remove", "class-7b"]) == code
    folder = user_packs_dir() / "class-7b"
    assert questions == [f"Remove Class 7B (class-7b, 2 items) from {folder}? [y/N] "]
    assert listing() == left


def test_cli_refusals_exit_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path)
    assert main(["lesson", "remove", "starter", "--yes"]) == 1
    assert "built-in lesson pack" in capsys.readouterr().err
    assert main(["lesson", "remove", "nope", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "Installed packs: class-7b." in err and "Traceback" not in err
    assert listing() == ["class-7b"]
