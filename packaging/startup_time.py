"""Time from launching the app to its first visible window, on a real X server.

    python packaging/startup_time.py [--runs 3] -- dist/tutor/tutor

Uses $DISPLAY if it answers, or starts a private Xvfb. A window counts once X reports it mapped
(``xdotool search --onlyvisible --pid``). The first run is the coldest this machine
allows (the page cache is dropped first when we are root); the others are warm.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TIMEOUT_S = 60.0


def answers(display: str) -> bool:
    """Whether an X server accepts connections on ``display``."""
    probe = subprocess.run(
        ["xdotool", "getdisplaygeometry"],
        capture_output=True,
        env={**os.environ, "DISPLAY": display},
    )
    return probe.returncode == 0


@contextlib.contextmanager
def x_display() -> Iterator[str]:
    display = os.environ.get("DISPLAY")
    if display and answers(display):
        yield display
        return
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
        deadline = time.monotonic() + 10
        while not (number and answers(f":{number}")):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("Xvfb did not start")
            time.sleep(0.1)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def drop_page_cache() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def time_to_window(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - start < TIMEOUT_S:
            if app.poll() is not None:
                err = app.stderr.read().decode(errors="replace") if app.stderr else ""
                raise SystemExit(f"the app exited with code {app.returncode}:\n{err}")
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(app.pid)],
                capture_output=True,
                env=env,
            )
            if found.stdout.strip():
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(f"no window after {TIMEOUT_S:.0f} s")
    finally:
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs="+", help="the app to start")
    args = parser.parse_args()
    if shutil.which("xdotool") is None:
        raise SystemExit("xdotool is needed: sudo apt-get install xdotool")
    with x_display() as display, tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "TUTOR_HOME": home}
        cold = drop_page_cache()
        times = [time_to_window(args.command, env) for _ in range(args.runs)]
    first = "cold, page cache dropped" if cold else "first run, page cache not dropped"
    print(
        f"start-up to visible window: {times[0]:.2f} s ({first}); "
        f"warm median {statistics.median(times[1:] or times):.2f} s over {len(times)} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
