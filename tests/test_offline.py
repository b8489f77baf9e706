"""The app never opens a network connection: not on import, not when it loads the
lexicon (g2p-en must not fetch NLTK data), not when its window starts, not when it scores.

Each check runs in a fresh interpreter so that every module is imported with the network
blocked; ``socket`` is patched before anything else is imported and every attempt is kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DRIVER = r"""
import json, socket, sys, time

attempts = []

def _blocked(name):
    def refuse(*args, **kwargs):
        attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
        raise OSError(f"network access blocked by the offline test ({name})")
    return refuse

for _name in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, _name, _blocked(f"socket.{_name}"))
for _name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, _name, _blocked(_name))

report = {"attempts": attempts}
stage, arg = sys.argv[1], sys.argv[2:]

def finish():
    print("OFFLINE-REPORT " + json.dumps(report))

if stage == "app":
    import pkgutil, importlib, tutor
    for info in pkgutil.walk_packages(tutor.__path__, "tutor."):
        # tutor.__main__ would start the app; tutor.train needs the optional torch extra
        if info.name != "tutor.__main__" and not info.name.startswith("tutor.train"):
            importlib.import_module(info.name)
    from tutor.scoring.lexicon import pronounce
    words = pronounce("Think about zorblaxian quibbits")
    report["oov_phones"] = [list(w.variants[0]) for w in words]

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    deadline = time.monotonic() + 60

    def poll():
        shown = [w for w in app.topLevelWidgets() if w.isWindow() and w.isVisible()]
        if shown:
            report["window"] = shown[0].windowTitle()
            QTimer.singleShot(1000, app.quit)  # let start-up work (model loading) run a while
        elif time.monotonic() > deadline:
            app.quit()
        else:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)
    from tutor.cli import main
    try:
        report["exit"] = main([])
    except SystemExit as exc:
        report["exit"] = exc.code
elif stage == "score":
    from tutor.scoring import Scorer
    scorer = Scorer.load()
    result = scorer.score(arg[0], arg[1])
    report["total"] = result.total
    report["words"] = [w.text for w in result.words]
finish()
"""


def _run_offline(tmp_path: Path, *argv: str) -> dict:
    script = tmp_path / "offline_driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(script), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("OFFLINE-REPORT ")]
    assert done.returncode == 0 and lines, f"driver failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix("OFFLINE-REPORT "))


def test_first_start_is_offline_and_sets_up_the_user_folder(tmp_path, tutor_home):
    assert not tutor_home.exists()
    report = _run_offline(tmp_path, "app")
    assert report["attempts"] == [], f"tried to reach the network: {report['attempts']}"
    assert report.get("window"), "the main window never became visible"
    assert report["exit"] in (0, None)
    # The unknown words came from g2p-en's neural model, which needs NLTK data on disk.
    assert len(report["oov_phones"]) == 4 and all(report["oov_phones"])
    # First run: the user data folder exists and holds the learner's progress store.
    assert tutor_home.is_dir()
    assert any(tutor_home.iterdir()), "first start left the user data folder empty"


def test_scoring_is_offline(tmp_path, scoring_models, sample_dir):
    meta = json.loads((sample_dir / "sample.json").read_text(encoding="utf-8"))
    audio = sample_dir / meta.get("audio", "sample.flac")
    report = _run_offline(tmp_path, "score", str(audio), meta["text"])
    assert report["attempts"] == [], f"tried to reach the network: {report['attempts']}"
    assert 0.0 <= report["total"] <= 10.0
    assert len(report["words"]) == len(meta["text"].split())
