"""Where things live: shipped assets, built-in lessons, and the learner's data folder.

The models, the self-test sample and the built-in lessons are package data: an installed
wheel holds them in ``tutor/data/{models,samples,lessons}`` (found with
``importlib.resources``). A source checkout (and an editable install) reads them from the
source tree (``assets/``, ``lessons/``), and a PyInstaller bundle from its data folder,
which keeps the source layout. ``TUTOR_ASSETS`` and ``TUTOR_LESSONS`` override both.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "tutor"


def project_root() -> Path:
    """The source tree root, or the PyInstaller bundle's data root when frozen."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def package_data_dir() -> Path | None:
    """``tutor/data`` of an installed wheel, or ``None`` (source tree, bundle)."""
    try:
        folder = resources.files("tutor") / "data"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - tutor is importable here
        return None
    if not isinstance(folder, Path) or not folder.is_dir():
        return None  # not installed as files on disk (a zip import) or a source checkout
    return folder


def assets_dir() -> Path:
    """The folder holding ``models/`` and ``samples/``."""
    if override := os.environ.get("TUTOR_ASSETS"):
        return Path(override)
    return package_data_dir() or project_root() / "assets"


def models_dir() -> Path:
    return assets_dir() / "models"


def builtin_lessons_dir() -> Path:
    if override := os.environ.get("TUTOR_LESSONS"):
        return Path(override)
    packaged = package_data_dir()
    return packaged / "lessons" if packaged else project_root() / "lessons"


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
