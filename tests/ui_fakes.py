"""Test doubles for the UI: a scorer with the real Scorer's method names whose results are
derived from the audio (phones spread over the voiced part) with chosen phones marked wrong."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tutor.scoring.phones import split_stress
from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult

WORDS = {
    "think": ["TH", "IH1", "NG", "K"], "about": ["AH0", "B", "AW1", "T"], "it": ["IH1", "T"],
    "the": ["DH", "AH0"], "red": ["R", "EH1", "D"], "lorry": ["L", "AO1", "R", "IY0"],
    "is": ["IH1", "Z"], "really": ["R", "IH1", "L", "IY0"], "long": ["L", "AO1", "NG"],
}  # fmt: skip


class FakeWord:
    def __init__(self, text: str, phones: list[str]) -> None:
        self.text = text
        self.variants = [phones]


class FakeScorer:
    """``bad`` maps an expected phone to ``(heard, score)``; every other phone scores high."""

    version = "fake-1"

    def __init__(self, bad: Mapping[str, tuple[str, float]] | None = None, delay: float = 0.0):
        self.bad = dict(bad or {"TH": ("S", 0.2), "AW": ("AA", 1.1)})
        self.delay = delay
        self.calls = 0

    def expected(self, text: str, overrides: Any = None) -> list[FakeWord]:
        words = re.findall(r"[A-Za-z']+", text)
        return [FakeWord(w, WORDS.get(w.lower(), ["AH0"])) for w in words]

    def score(self, audio: Any, text: str, sample_rate: int | None = None, **_: Any):
        import threading
        import time

        self.calls += 1
        self.thread = threading.current_thread()
        if self.delay:
            time.sleep(self.delay)
        samples = np.asarray(audio, dtype=np.float32)
        rate = sample_rate or 16000
        duration = len(samples) / rate
        frame = rate // 100
        env = np.sqrt(np.mean(samples[: len(samples) // frame * frame].reshape(-1, frame) ** 2, 1))
        voiced = np.flatnonzero(env > 0.1 * env.max())
        start = voiced[0] / 100 if voiced.size else 0.0
        end = (voiced[-1] + 1) / 100 if voiced.size else duration
        words = self.expected(text)
        tokens = [p for w in words for p in w.variants[0]]
        step = (end - start) / max(len(tokens), 1)
        t = start
        out = []
        for w in words:
            phones = []
            for token in w.variants[0]:
                base, stress = split_stress(token)
                heard, score = self.bad.get(base, (base, 1.9))
                phones.append(
                    PhoneResult(
                        base,
                        stress,
                        round(t, 3),
                        round(t + step, 3),
                        score,
                        -0.2 if score > 1.5 else -4.0,
                        heard,
                        score < 1.0,
                    )
                )
                t += step
            acc = 5.0 * float(np.mean([p.score for p in phones]))
            out.append(
                WordResult(w.text, tuple(phones), phones[0].start, phones[-1].end, acc, 10.0, acc)
            )
        acc = float(np.mean([w.accuracy for w in out]))
        return UtteranceResult(
            text, tuple(out), acc, 8.6, 10.0, 8.0, round(0.8 * acc + 1.7, 1), duration, self.version
        )


def espeak_wav(folder: Path, text: str, name: str = "speech.wav", rate: int = 16000) -> Path:
    """Synthesize ``text`` with espeak-ng and write it as a 16 kHz WAV file."""
    raw = folder / f"raw-{name}"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True)
    data, sr = sf.read(str(raw), dtype="float32")
    import soxr

    data = soxr.resample(data, sr, rate).astype(np.float32)
    padded = np.concatenate(
        [np.zeros(rate // 4, np.float32), data, np.zeros(rate // 2, np.float32)]
    )
    path = folder / name
    sf.write(str(path), padded, rate)
    return path


STARTER = {  # pack id: (title, [(item id, text, focus phones, tip), ...])
    "starter-consonants": ("Starter: tricky consonants", [
        ("th-1", "Think about it.", ("TH",), "Tongue between the teeth for TH."),
        ("th-2", "They thanked their mother.", ("DH", "TH"), "TH in 'thanked' has no voice."),
        ("rl-1", "The red lorry is really long.", ("R", "L"), "Touch the ridge for L, not R."),
        ("vw-1", "We visited a very wet village.", ("V", "W"), "Teeth on the lip for V."),
    ]),
    "starter-vowels": ("Starter: vowels", [
        ("iy-1", "Sheep sleep in the field.", ("IY",), "Long, tense 'ee'."),
        ("ih-1", "This ship is big.", ("IH",), "Short, relaxed 'i'."),
        ("ae-1", "The black cat sat on a mat.", ("AE",), "Open the jaw for 'a' in 'cat'."),
    ]),
}  # fmt: skip


def lesson_pack(pack_id: str, title: str, rows) -> Any:
    """A :class:`LessonPack` from ``(id, text, focus phones[, tip])`` rows."""
    from tutor.lessons.model import LessonItem, LessonPack

    items = tuple(
        LessonItem(id=r[0], text=r[1], focus_phones=tuple(r[2]), tip=r[3] if len(r) > 3 else "")
        for r in rows
    )
    return LessonPack(id=pack_id, title=title, items=items)


def starter_library(*extra: Any) -> Any:
    """Two small packs of items the fake scorer knows, and any ``extra`` packs after them."""
    from tutor.core import Library

    packs = [lesson_pack(pack_id, title, rows) for pack_id, (title, rows) in STARTER.items()]
    return Library((*packs, *extra))


def fake_window(
    qtbot: Any,
    tmp_path: Path,
    *,
    backend: Any = None,
    settings: Any = None,
    library: Any = None,
    data_dir: Path | None = None,
    scorer_factory: Any = None,
    progress: Any = None,
    start: bool = True,
    active: bool = False,
    **extra: Any,
) -> Any:
    """The main window over fakes (recorder, scorer, starter packs, settings in
    ``tmp_path``); with ``start`` shown (``active``: and focused, for key presses), started
    and past loading the scorer."""
    from PySide6.QtCore import QSettings

    from tutor.core import Progress
    from tutor.recording import FakeBackend
    from tutor.ui.main_window import MainWindow
    from tutor.ui.settings import Settings
    from tutor.ui.workers import ScoringService

    if settings is None:
        settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(
        backend=backend if backend is not None else FakeBackend(),
        library=library if library is not None else starter_library(),
        settings=settings,
        data_dir=data_dir or tmp_path / "data",
        scorer_factory=scorer_factory or FakeScorer,
        progress=progress if progress is not None else Progress(),
        **extra,
    )
    qtbot.addWidget(window)
    if start:
        window.show()
        if active:
            window.activateWindow()
            qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        window.start()
        qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window
