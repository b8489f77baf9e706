"""Putting a new reference recording into a pack without losing the one it replaces.

The new audio is written under a temporary name next to the final one, checked like any
pack audio, and only then renamed over ``audio/<item id>.<ext>``. A take that is refused
(too short, silent, unreadable) is removed and the accepted recording stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from tutor import atomic

from .validate import check_audio_file


def install_reference(
    folder: Path, item_id: str, suffix: str, write: Callable[[Path], object]
) -> tuple[str | None, str | None]:
    """``write(tmp)`` the new audio, check it, then make it ``audio/<item_id><suffix>``.

    Returns ``(relative path, None)`` when it was accepted, ``(None, why not)`` when it was
    refused or could not be written; the existing file is untouched then."""
    relative = f"audio/{item_id}{suffix.lower()}"
    dest = folder / relative
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic.temp_path(dest)
    except OSError as exc:
        return None, f"The recording could not be saved: {atomic.describe_write_error(exc)}."
    try:
        try:
            write(tmp)
        except Exception as exc:  # OSError, soundfile's RuntimeError...
            return None, (
                f"The recording could not be saved: {atomic.describe_write_error(exc, dest)}."
            )
        problem = check_audio_file(folder, tmp.relative_to(folder).as_posix())
        if problem:
            return None, problem.replace(repr(tmp.relative_to(folder).as_posix()), "The take")
        try:
            os.replace(tmp, dest)
        except OSError as exc:
            return None, (
                f"The recording could not be saved: {atomic.describe_write_error(exc, dest)}."
            )
        return relative, None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def install_reference_file(
    folder: Path, item_id: str, source: Path
) -> tuple[str | None, str | None]:
    """Copy the audio file ``source`` in as the item's reference (see
    :func:`install_reference`)."""
    if source.is_dir():
        return None, f"{source} is a folder, not an audio file."
    return install_reference(
        folder, item_id, source.suffix, lambda tmp: shutil.copyfile(source, tmp)
    )
