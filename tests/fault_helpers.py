"""Folders that fail like real disks: a tiny full tmpfs, and a read-only folder.

A full disk needs a real file system that runs out of space: a 64 kB tmpfs, which only
root can mount. Tests that need one skip (saying why) where mounting is impossible; each of
them has a twin that fakes the failure with a monkeypatched writer, which runs everywhere.
A read-only folder is ``chmod 555`` for a normal user; root ignores permissions, so for
root it is a read-only tmpfs mount instead.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(folder: Path, options: str) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=20)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "64k") -> Iterator[Path]:
    """``folder`` on a file system of ``size`` bytes; skips the test if none can be mounted."""
    if not _mount(folder, f"size={size},mode=0777"):
        pytest.skip(
            "a small tmpfs cannot be mounted here (needs root); the monkeypatched "
            "twin of this test covers the same path"
        )
    try:
        yield folder
    finally:
        _umount(folder)


def fill(folder: Path) -> None:
    """Fill the file system under ``folder`` until it has no space left."""
    fd = os.open(folder / "ballast", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 1024)
    finally:
        os.close(fd)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` (with whatever it already holds) made read-only for this process."""
    folder.mkdir(parents=True, exist_ok=True)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root writes through permissions: bind-mount the folder read-only over itself
        done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot make a read-only folder as root without mount")
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, check=True
        )
        try:
            yield folder
        finally:
            _umount(folder)
        return
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(mode)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != "ballast")
