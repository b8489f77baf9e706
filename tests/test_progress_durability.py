"""Progress durability under damage and faults (issue 13, case 2 and 8)."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fault_helpers import read_only
from progress_helpers import make_result

from tutor.progress import ProgressStore
from tutor.progress.durability import (
    BACKUP_EVERY_ATTEMPTS,
    KEEP_BACKUPS,
    NOT_SAVED,
    ProgressKeeper,
    backups,
    make_backup,
)
from tutor.progress.store import DamagedProgress, ProgressError

PAGE = 4096


def filled(path: Path, attempts: int = 60) -> Path:
    with ProgressStore(path) as store:
        for n in range(attempts):
            store.record_attempt("Ana", "th", f"item-{n}", make_result("think, sink, three"))
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file
    db.close()
    return path


def damage(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(bytes([0xA5]) * length)


def corrupt_header(path: Path) -> None:
    damage(path, 0, 16)


def corrupt_middle(path: Path) -> None:
    pages = path.stat().st_size // PAGE
    assert pages >= 8, "need a file of several pages"
    damage(path, (pages // 2) * PAGE + 8, PAGE - 16)


def corrupt_schema(path: Path) -> None:
    damage(path, 100, PAGE - 100)  # page 1 after the file header: sqlite_master


CORRUPTIONS = {"header": corrupt_header, "middle": corrupt_middle, "schema": corrupt_schema}


@pytest.mark.parametrize("how", list(CORRUPTIONS))
def test_damaged_file_is_refused_by_the_store(tmp_path: Path, how: str) -> None:
    path = filled(tmp_path / "progress.sqlite3")
    CORRUPTIONS[how](path)
    before = path.read_bytes()
    with pytest.raises(DamagedProgress):
        ProgressStore(path)
    assert path.read_bytes() == before  # nothing was written into it


@pytest.mark.parametrize("how", list(CORRUPTIONS))
def test_damaged_file_is_kept_aside_and_the_backup_restored(tmp_path: Path, how: str) -> None:
    path = filled(tmp_path / "progress.sqlite3")
    keeper = ProgressKeeper.open(path)  # the first open of the day makes a backup
    assert keeper.problem == "" and len(backups(path)) == 1
    keeper.close()
    CORRUPTIONS[how](path)
    damaged = path.read_bytes()

    keeper = ProgressKeeper.open(path)
    assert keeper.damaged_copy is not None and keeper.damaged_copy.read_bytes() == damaged
    assert "damaged" in keeper.problem and keeper.damaged_copy.name in keeper.problem
    assert "restore the backup" in keeper.problem and keeper.backup is not None
    assert keeper.saving  # a new file took its place
    assert keeper.record_attempt("Ana", "th", "new", make_result("think")) == ""
    assert keeper.restore_backup() == 1  # the attempt made since the start is carried over
    assert keeper.store is not None
    attempts = keeper.store.attempts("Ana")
    assert len(attempts) == 61 and attempts[-1].item == "new"
    assert keeper.store.integrity_check() == []
    assert keeper.problem == ""
    keeper.close()
    assert keeper.damaged_copy is None
    kept = [
        p
        for p in tmp_path.iterdir()
        if ".damaged-" in p.name and p.name[-4:] not in ("-wal", "-shm")
    ]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # the damaged file is kept


def test_damage_found_while_in_use_stops_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper = ProgressKeeper.open(filled(tmp_path / "progress.sqlite3"))
    assert keeper.store is not None
    real = keeper.store._db

    class Corrupt:
        def execute(self, sql, *args):
            if sql.startswith("INSERT"):
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(real, name)

    keeper.store._db = Corrupt()  # type: ignore[assignment]
    reason = keeper.record_attempt("Ana", "th", "x", make_result("think"))
    assert "damaged" in reason and keeper.last_error == reason
    assert keeper.store.damaged and not keeper.saving
    keeper.store._db = real
    # from now on nothing is written into the file, not even a "good" attempt
    assert "damaged" in keeper.record_attempt("Ana", "th", "y", make_result("think"))
    assert len(keeper.store.attempts("Ana")) == 60


def test_rolling_backups(tmp_path: Path) -> None:
    path = filled(tmp_path / "progress.sqlite3", attempts=3)
    with ProgressStore(path) as store:
        for n in range(KEEP_BACKUPS + 3):
            make_backup(store, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n))
    kept = backups(path)
    assert len(kept) == KEEP_BACKUPS
    assert "20260108" in kept[0].name  # the newest are kept
    for backup in kept:
        with ProgressStore(backup) as copy:
            assert len(copy.attempts("Ana")) == 3
    assert not [p for p in (tmp_path / "backups").iterdir() if p.name.startswith(".")]


def test_backup_every_n_attempts(tmp_path: Path) -> None:
    keeper = ProgressKeeper.open(tmp_path / "progress.sqlite3")
    assert backups(keeper.path) == []  # nothing to back up yet
    for n in range(BACKUP_EVERY_ATTEMPTS):
        assert keeper.record_attempt("Ana", "th", f"i{n}", make_result("think")) == ""
    assert len(backups(keeper.path)) == 1
    keeper.close()


def test_uncreatable_or_file_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("I am a file")
    keeper = ProgressKeeper.open(home / "progress.sqlite3")
    assert keeper.store is None and NOT_SAVED in keeper.problem
    assert "[Errno" not in keeper.problem
    assert NOT_SAVED in keeper.record_attempt("Ana", "th", "x", make_result("think"))


def test_read_only_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    filled(home / "progress.sqlite3", attempts=2)
    for side in home.glob("progress.sqlite3-*"):
        side.unlink()
    before = (home / "progress.sqlite3").read_bytes()
    with read_only(home):
        keeper = ProgressKeeper.open(home / "progress.sqlite3")
        assert not keeper.saving and NOT_SAVED in keeper.problem
        assert keeper.record_attempt("Ana", "th", "x", make_result("think")) != ""
        keeper.close()
    assert (home / "progress.sqlite3").read_bytes() == before
    assert not [p for p in home.iterdir() if ".damaged-" in p.name]  # not "damaged"


def test_data_dir_problem(tmp_path: Path) -> None:
    from tutor.paths import data_dir_problem, user_data_dir

    assert data_dir_problem(tmp_path / "fine") is None
    (tmp_path / "file").write_text("x")
    assert "is a file" in (data_dir_problem(tmp_path / "file") or "")
    os.environ["TUTOR_HOME"] = str(tmp_path / "file")
    assert user_data_dir() == tmp_path / "file"  # no traceback; the problem is reported
    with read_only(tmp_path / "ro"):
        assert "cannot be written" in (data_dir_problem(tmp_path / "ro") or "")


def test_two_writers_lose_no_committed_attempt(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    first, second = ProgressKeeper.open(path), ProgressKeeper.open(path)
    errors: list[str] = []

    def write(keeper: ProgressKeeper, who: str) -> None:
        for n in range(40):
            reason = keeper.record_attempt(who, "th", f"i{n}", make_result("think, sink"))
            if reason:
                errors.append(reason)
            if n == 20:
                keeper.backup_now()  # a backup while the other one writes

    threads = [
        threading.Thread(target=write, args=(k, w)) for k, w in ((first, "Ana"), (second, "Ben"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.close()
    second.close()
    assert errors == []
    with ProgressStore(path) as store:
        assert len(store.attempts("Ana")) == 40 and len(store.attempts("Ben")) == 40
        assert store.integrity_check() == [] and store.check_attempts_complete() == []
    for backup in backups(path):
        with ProgressStore(backup) as copy:
            assert copy.integrity_check() == []


def test_not_a_database_is_damage_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProgressError):
        ProgressStore(path)
    keeper = ProgressKeeper.open(path)
    assert keeper.saving and keeper.damaged_copy is not None
    assert keeper.damaged_copy.read_bytes() == b"this is not sqlite" * 100


def test_backup_when_due_at_close(tmp_path: Path) -> None:
    keeper = ProgressKeeper.open(tmp_path / "progress.sqlite3")
    assert keeper.record_attempt("Ana", "th", "a", make_result("think")) == ""
    assert backups(keeper.path) == []  # nothing worth backing up at open
    keeper.backup_if_due()
    assert len(backups(keeper.path)) == 1
    keeper.backup_if_due()  # not again the same day
    assert len(backups(keeper.path)) == 1
    keeper.close()
