"""Shared test setup: Qt without a screen, and no writes to the real user's folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports Qt: render offscreen unless a run asks for a real X server
# (the Xvfb tests run with QT_QPA_PLATFORM=xcb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# QSettings, platformdirs and NLTK look under these; point them at a throwaway folder for
# the whole session so that no test touches the developer's real configuration.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="tutor-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SESSION_HOME / _var.lower())
os.environ["TUTOR_HOME"] = str(_SESSION_HOME / "tutor-home")


@pytest.fixture(autouse=True)
def tutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty user data folder for each test (``TUTOR_HOME``)."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def close_without_asking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A window closed at a test's end with unsaved takes would ask (a modal question that
    nobody answers offscreen): answer "close without saving" unless the test says otherwise."""
    import sys

    if "tutor.ui.window_dialogs" in sys.modules or "PySide6" in sys.modules:
        monkeypatch.setattr(
            "tutor.ui.window_dialogs.confirm_close_with_unsaved_takes",
            lambda window, count: "discard",
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import shutil

    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def scoring_models() -> Path:
    """The shipped models folder (the trained models are committed in assets/models)."""
    from tutor.paths import models_dir

    folder = models_dir()
    if not (folder / "acoustic.onnx").is_file() or not (folder / "head.onnx").is_file():
        pytest.fail(f"no scoring model in {folder}: run tutor-train ... --ship-to {folder}")
    return folder


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-test sample folder: the bundled one, or an espeak-ng recording until it exists."""
    from tutor.paths import assets_dir

    bundled = assets_dir() / "samples"
    if (bundled / "sample.json").is_file():
        return bundled
    import json
    import shutil
    import subprocess

    import soundfile as sf

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to make a sample recording")
    folder = tmp_path_factory.mktemp("samples")
    text = "Think about it and try again"
    wav = folder / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), text], check=True)
    data, rate = sf.read(str(wav))
    sf.write(str(folder / "sample.flac"), data, rate)
    wav.unlink()
    (folder / "sample.json").write_text(json.dumps({"text": text}), encoding="utf-8")
    return folder


# CI runs the property-based tests with a fixed seed, so a landing never hangs on a new
# random example; developers' runs keep exploring (and hypothesis remembers failures).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
