"""Where things live: shipped assets, built-in lessons, and the learner's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "tutor"


def project_root() -> Path:
    """The source tree root, or the PyInstaller bundle's data root when frozen."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return Path(os.environ.get("TUTOR_ASSETS", project_root() / "assets"))


def models_dir() -> Path:
    return assets_dir() / "models"


def builtin_lessons_dir() -> Path:
    return Path(os.environ.get("TUTOR_LESSONS", project_root() / "lessons"))


def user_data_dir() -> Path:
    """The learner's data folder (recordings, progress database); ``TUTOR_HOME`` overrides."""
    override = os.environ.get("TUTOR_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only, or a file: data_dir_problem() says so, callers carry on
        pass
    return path


def data_dir_problem(path: Path) -> str | None:
    """Why nothing can be saved in ``path`` (in plain words), or ``None`` when it is fine."""
    import tempfile

    from tutor.atomic import describe_write_error

    if path.exists() and not path.is_dir():
        return f"The data folder {path} is a file, not a folder"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return f"The data folder cannot be written: {describe_write_error(exc, path)}"
    return None
