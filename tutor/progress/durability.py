"""Keeping the progress file safe: checked on open, damaged files kept aside, rolling
backups, and a plain account of what is (not) being saved.

:class:`ProgressKeeper` is what an app holds instead of a bare store:

- the file is opened with an integrity check (``PRAGMA quick_check``); a damaged file is
  never written to: it is renamed to ``<name>.damaged-<time>`` (kept, never overwritten),
  a new file is started, and the newest good backup is offered (:meth:`restore_backup`);
- backups are made with SQLite's online backup API into ``backups/`` next to the file, at
  most once a day at open and close and every :data:`BACKUP_EVERY_ATTEMPTS` attempts;
  :data:`KEEP_BACKUPS` generations are kept;
- a folder that cannot be written, or is a file, gives a ``problem`` to show (no traceback)
  and attempts are kept in memory only: the app says "progress will not be saved";
- every failed save returns its reason, for the window to show.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tutor.atomic import TEMP_PREFIX, remove_leftovers

from .store import Attempt, DamagedProgress, ProgressError, ProgressStore, quick_check

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
KEEP_BACKUPS = 5
BACKUP_AFTER = timedelta(days=1)
BACKUP_EVERY_ATTEMPTS = 50
NOT_SAVED = "Progress will not be saved in this session."


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")


def backup_dir(path: Path) -> Path:
    return path.parent / BACKUP_FOLDER


def backups(path: Path) -> list[Path]:
    """The backups of ``path``, newest first."""
    folder = backup_dir(path)
    try:
        found = [p for p in folder.glob(f"{path.stem}-*{path.suffix}") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def backup_is_good(backup: Path) -> bool:
    """The backup opens read-only and passes SQLite's check."""
    try:
        db = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        return False
    try:
        return not quick_check(db) and bool(
            db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'attempts'").fetchone()[0]
        )
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def make_backup(store: ProgressStore, now: datetime | None = None) -> Path:
    """Back ``store`` up now and keep the newest :data:`KEEP_BACKUPS`."""
    folder = backup_dir(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    out = store.backup_to(folder / f"{store.path.stem}-{_stamp(now)}{store.path.suffix}")
    for old in backups(store.path)[KEEP_BACKUPS:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return out


def backup_due(path: Path, now: datetime | None = None) -> bool:
    newest = next(iter(backups(path)), None)
    if newest is None:
        return True
    try:
        made = datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    except OSError:
        return True
    return (now or datetime.now(UTC)) - made >= BACKUP_AFTER


def move_aside(path: Path, why: str = "damaged") -> Path:
    """Rename ``path`` (and its ``-wal``/``-shm``) to ``<name>.<why>-<time>``; never
    overwrites anything. Returns the new name of the main file."""
    stamp = _stamp()
    kept = path.with_name(f"{path.name}.{why}-{stamp}")
    if kept.exists():
        raise ProgressError(f"{kept} already exists")
    os.rename(path, kept)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            with contextlib.suppress(OSError):
                os.rename(side, kept.with_name(kept.name + extra))
    return kept


def _when(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        return "an earlier session"


@dataclass
class ProgressKeeper:
    """The progress store and its state, as the app should use it."""

    path: Path
    store: ProgressStore | None = None
    problem: str = ""  # what to tell the learner at start ("" when all is well)
    damaged_copy: Path | None = None  # where a damaged file was moved
    backup: Path | None = None  # the newest good backup, offered while ``damaged_copy``
    last_error: str = ""  # why the latest save failed ("" after a good save)
    _since_backup: int = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ProgressKeeper:
        keeper = cls(Path(path))
        keeper._open()
        return keeper

    @property
    def saving(self) -> bool:
        return self.store is not None and not self.store.damaged

    def _open(self) -> None:
        try:
            self.store = ProgressStore(self.path)
        except DamagedProgress as exc:
            log.warning("Progress file damaged: %s", exc)
            self._recover(exc)
        except ProgressError as exc:
            self.store = None
            self.problem = f"{exc}. {NOT_SAVED}"
            return
        remove_leftovers(backup_dir(self.path), TEMP_PREFIX)
        self.backup_if_due()

    def _recover(self, exc: DamagedProgress) -> None:
        try:
            self.damaged_copy = move_aside(self.path)
            self.store = ProgressStore(self.path)
        except (OSError, ProgressError) as err:
            self.store = None
            self.problem = (
                f"Your progress file {self.path} is damaged ({exc.problems[0]}) and "
                f"could not be set aside ({err}). {NOT_SAVED}"
            )
            return
        self.backup = next((b for b in backups(self.path) if backup_is_good(b)), None)
        self.problem = (
            f"Your progress file was damaged; it is kept as {self.damaged_copy.name} "
            "and a new one was started."
        )
        if self.backup is not None:
            self.problem += f" You can restore the backup from {_when(self.backup)}."

    def backup_if_due(self) -> None:
        """A daily backup, never of a file just started after damage, nor of an empty one
        (either would push the good generations out)."""
        if not self.saving or self.damaged_copy is not None or not backup_due(self.path):
            return
        try:
            if not self.store or not self.store.attempts():
                return
        except (ProgressError, sqlite3.Error):  # e.g. closed already: nothing to back up
            return
        self.backup_now()

    def backup_now(self) -> Path | None:
        if self.store is None:
            return None
        try:
            out = make_backup(self.store)
        except (OSError, sqlite3.Error, ProgressError) as exc:
            log.warning("Could not back up the progress file: %s", exc)
            return None
        self._since_backup = 0
        return out

    def record_attempt(self, *args: object, **kwargs: object) -> str:
        """Save one attempt; ``""`` when saved, else why not (also kept in ``last_error``)."""
        self.save_attempt(*args, **kwargs)
        return self.last_error

    def save_attempt(self, *args: object, **kwargs: object) -> Attempt | None:
        """Save one attempt (the arguments of ``ProgressStore.record_attempt``): the saved
        attempt, or ``None`` when it was not saved (why: ``last_error``)."""
        if self.store is None:
            self.last_error = self.problem or NOT_SAVED
            return None
        try:
            attempt = self.store.record_attempt(*args, **kwargs)  # type: ignore[arg-type]
        except DamagedProgress as exc:
            self.last_error = (
                "Progress not saved: the progress file is damaged "
                f"({exc.problems[0]}). Restart the app to set it aside."
            )
            return None
        except (ProgressError, sqlite3.Error, OSError) as exc:
            self.last_error = (
                str(exc)
                if str(exc).startswith("Progress not saved")
                else f"Progress not saved: {exc}"
            )
            return None
        self.last_error = ""
        self._since_backup += 1
        if self._since_backup >= BACKUP_EVERY_ATTEMPTS:
            self.backup_now()
        return attempt

    def restore_backup(self, backup: Path | None = None) -> int:
        """Make ``backup`` (default: the offered one) the progress file, keeping every
        attempt recorded since the app started; returns how many were carried over.

        The file being replaced is kept as ``<name>.replaced-<time>``."""
        backup = backup or self.backup
        if backup is None or not backup_is_good(backup):
            raise ProgressError("There is no good backup to restore.")
        if self.store is None:
            raise ProgressError(self.problem or NOT_SAVED)
        from tutor.atomic import temp_path

        current = self.store
        staged = temp_path(self.path)
        try:
            source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
            target = sqlite3.connect(staged)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            carried = 0
            with ProgressStore(staged) as restored:
                for attempt in current.attempts():
                    restored.record_attempt(
                        attempt.learner,
                        attempt.pack,
                        attempt.item,
                        attempt.result,
                        attempt.audio_path,
                        attempt.when,
                    )
                    carried += 1
        except BaseException:
            for extra in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{staged}{extra}").unlink()
            raise
        current.close()
        move_aside(self.path, "replaced")
        os.replace(staged, self.path)
        self.store = ProgressStore(self.path)
        self.backup = self.damaged_copy = None
        self.problem = ""
        return carried

    def close(self) -> None:
        if self.store is None:
            return
        self.backup_if_due()
        self.store.close()
        self.store = None
