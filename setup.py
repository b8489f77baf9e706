"""Build hook: the app's data goes *inside* the package, as ``tutor/data/``.

The source tree keeps its layout (``assets/models``, ``assets/samples``, ``lessons``), which
the editable install and the PyInstaller bundle read in place. A wheel has no source tree,
so building one copies those folders to ``tutor/data/{models,samples,lessons}``, where
``tutor.paths`` finds them through ``importlib.resources``. Everything else is configured in
``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# package data folder (under tutor/data/) -> source folder
DATA = {"models": "assets/models", "samples": "assets/samples", "lessons": "lessons"}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree in place
        target = Path(self.build_lib) / "tutor" / "data"
        for name, folder in DATA.items():
            source = ROOT / folder
            if not source.is_dir() or not any(source.iterdir()):
                raise SystemExit(f"{folder} is missing or empty: the package needs it")
            shutil.copytree(source, target / name, ignore=IGNORE, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithData})
