"""The ``tutor`` command as a user meets it: help, clear errors, and the real window on X."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

TUTOR = [sys.executable, "-m", "tutor"]


def _tutor(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TUTOR, *args], capture_output=True, text=True, timeout=timeout)


def test_help_lists_the_commands():
    done = _tutor("--help")
    assert done.returncode == 0, done.stderr
    for word in ("score", "bench", "lesson", "app", "--self-test", "--demo-screenshot"):
        assert word in done.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("tutor")
    assert script.is_file(), "pip install -e . should have created the `tutor` command"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("tutor ")


def test_parsing_the_command_line_loads_no_heavy_library():
    """``tutor --help`` stays fast: Qt, onnxruntime and torch load only when a command runs."""
    code = (
        "import sys; from tutor.cli import build_parser; build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'onnxruntime', "
        "'torch', 'pyqtgraph', 'g2p_en', 'nltk'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("content", [None, b"this is not audio"])
def test_score_reports_bad_input_without_a_traceback(tmp_path, content):
    audio = tmp_path / "take.wav"
    if content is not None:
        audio.write_bytes(content)
    done = _tutor("score", str(audio), "Think about it")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_unknown_command_is_a_usage_error():
    done = _tutor("fly")
    assert done.returncode == 2 and "invalid choice" in done.stderr


# --- the real app on a real X server ----------------------------------------------------


@pytest.fixture
def x_display() -> Iterator[str]:
    """The X display to use: $DISPLAY (xvfb-run), or a private Xvfb started here."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        pytest.fail("no X server: install xvfb (sudo apt-get install xvfb) or run under xvfb-run")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _visible_windows(pid: int, env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
    )
    return done.stdout.split()


def _grab(window: str, out: Path, env: dict[str, str]) -> None:
    """Screenshot one X window from a separate Qt process on the xcb platform."""
    code = (
        "import sys; from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]); "
        "ok = app.primaryScreen().grabWindow(int(sys.argv[1])).save(sys.argv[2]); "
        "sys.exit(0 if ok else 1)"
    )
    subprocess.run([sys.executable, "-c", code, window, str(out)], env=env, check=True, timeout=60)


@pytest.mark.xvfb
def test_app_window_appears_on_x_and_looks_like_an_app(x_display, tmp_path):
    """Start ``tutor`` like a user does, wait for its window, and screenshot it."""
    from PySide6.QtGui import QImage

    assert shutil.which("xdotool"), "xdotool is needed: sudo apt-get install xdotool"
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    start = time.perf_counter()
    app = subprocess.Popen(
        [*TUTOR], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        windows: list[str] = []
        while not windows and time.perf_counter() - start < 60 and app.poll() is None:
            time.sleep(0.05)
            windows = _visible_windows(app.pid, env)
        seconds = time.perf_counter() - start
        if not windows:
            app.kill()
            output, _ = app.communicate()
            pytest.fail(f"no window appeared (exit code {app.poll()}):\n{output[-4000:]}")
        print(f"window visible after {seconds:.2f} s")
        shot = tmp_path / "main-window.png"
        colours = 0
        for _ in range(40):  # until the window has painted its widgets
            time.sleep(0.25)
            _grab(windows[0], shot, env)
            image = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB32)
            pixels = np.frombuffer(image.constBits(), np.uint32, image.sizeInBytes() // 4)
            colours = len(np.unique(pixels[::7]))
            if colours > 20:
                break
        assert image.width() >= 640 and image.height() >= 400, image.size()
        assert colours > 20, "the window looks blank"
        if os.environ.get("TUTOR_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(os.environ["TUTOR_SCREENSHOT_DIR"]) / shot.name)
    finally:
        app.terminate()
        try:
            output, _ = app.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
            output, _ = app.communicate()
    assert "Traceback" not in output, output


def test_demo_screenshot_theme_reaches_the_renderer(monkeypatch, tmp_path: Path):
    from tutor import cli
    from tutor.commands import app

    calls = []
    monkeypatch.setattr(
        app, "demo_screenshot", lambda out, theme="light": calls.append((out, theme)) or 0
    )
    out = str(tmp_path / "dark.png")
    assert cli.main(["--demo-screenshot", out, "--theme", "dark"]) == 0
    assert cli.main(["--demo-screenshot", out]) == 0
    assert calls == [(out, "dark"), (out, "light")]
    with pytest.raises(SystemExit):
        cli.main(["--demo-screenshot", out, "--theme", "sepia"])
