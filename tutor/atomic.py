"""Write a file so that readers see the old content or the new, never a part.

The data goes to a temporary file in the destination's own folder (same file system, so
the final :func:`os.replace` is atomic), is flushed and fsynced, and only then takes the
destination's name. On any failure the temporary file is removed and the destination is
left exactly as it was; nothing half-written or empty is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

#: Temporary files start with this, so a leftover from a killed process is recognisable.
TEMP_PREFIX = ".tutor-tmp-"


def temp_path(dest: Path, suffix: str | None = None) -> Path:
    """A new, empty, uniquely named file next to ``dest`` (same suffix, so tools that
    pick a format from the extension still do)."""
    fd, name = tempfile.mkstemp(
        prefix=TEMP_PREFIX, suffix=dest.suffix if suffix is None else suffix, dir=dest.parent
    )
    os.close(fd)
    return Path(name)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _staged(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``dest``; when the block ends it replaces ``dest`` (and the
    folder entry is flushed), and when the block fails it is removed and ``dest`` is
    untouched."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(dest)
    try:
        yield tmp
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(dest.parent)


def write_with(dest: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` to write a temporary file, then rename it to ``dest``.

    ``writer`` may raise anything (soundfile raises ``RuntimeError`` on a full disk, not
    ``OSError``); the exception propagates and ``dest`` is untouched.
    """
    with _staged(dest) as tmp:
        writer(tmp)
        _fsync_file(tmp)
    return Path(dest)


@contextlib.contextmanager
def open_atomic(dest: str | os.PathLike[str], mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """``with open_atomic(path, "w", encoding="utf-8") as fh:`` writes ``path`` atomically."""
    with _staged(dest) as tmp, open(tmp, mode, **kwargs) as fh:  # type: ignore[call-overload]
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_bytes(dest: str | os.PathLike[str], data: bytes) -> Path:
    with open_atomic(dest, "wb") as fh:
        fh.write(data)
    return Path(dest)


def remove_leftovers(folder: str | os.PathLike[str], prefix: str = TEMP_PREFIX) -> int:
    """Delete temporary files (and folders) a killed process left in ``folder``; returns
    how many. Never raises."""
    import shutil

    removed = 0
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


class SaveError(Exception):
    """A file could not be written; the message says why in plain words."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


def describe_write_error(exc: BaseException, path: str | os.PathLike[str] | None = None) -> str:
    """Why writing ``path`` failed, in words a learner can act on (no ``[Errno 28]``)."""
    import errno

    where = f" ({path})" if path is not None else ""
    code = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"the disk is full{where}; free some space"
    if code == errno.EROFS:
        return f"the folder is on a read-only disk{where}"
    if code in (errno.EACCES, errno.EPERM):
        return f"you may not write in this folder{where}"
    if code == errno.ENAMETOOLONG:
        return f"the file name is too long{where}; choose a shorter name or folder"
    if code == errno.ENOTDIR:
        return f"part of the path is a file, not a folder{where}"
    if code == errno.EISDIR:
        return f"that name is a folder, not a file{where}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror.lower()}{where}"
    return f"{exc or type(exc).__name__}{where}"
