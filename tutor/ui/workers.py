"""Background work: load the scoring model once, score takes, prepare display signals.

Everything slow runs on a QThreadPool; results come back as queued signals on the GUI
thread, so the window never freezes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from tutor.core.scorer import Overrides, Scorer
from tutor.feedback.display_signals import PitchContour, Spectrogram, pitch_contour, spectrogram
from tutor.scoring.errors import ScoringError
from tutor.scoring.result import UtteranceResult

ScorerFactory = Callable[[], Scorer]
T = TypeVar("T")


class _TaskSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """Run ``fn()`` on the pool; ``done(value)`` or ``failed(message)`` on the GUI thread."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _TaskSignals()

    def run(self) -> None:
        try:
            value = self.fn()
        except ScoringError as exc:
            self._emit(self.signals.failed, str(exc))
        except Exception as exc:  # show any failure as a message, never a traceback
            self._emit(self.signals.failed, f"{type(exc).__name__}: {exc}")
        else:
            self._emit(self.signals.done, value)

    @staticmethod
    def _emit(signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the window closed while this ran: nobody to tell
            pass


class TaskRunner(QObject):
    """Starts :class:`Task` objects and keeps them alive until the pool is done with them.

    A task's result can arrive on the GUI thread while its pool thread is still returning
    from ``run()``; freeing the task then (as soon as it reported back) let the pool touch
    a deleted QRunnable, which now and then aborted the app under load. Finished tasks are
    therefore kept until the pool has no thread running.
    """

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._live: set[Task] = set()
        self._retired: list[Task] = []

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_failed: Callable[[str], None],
    ) -> Task:
        """Run ``fn()`` on the pool; ``on_done(its value)`` or ``on_failed(message)`` then
        runs on the GUI thread."""
        self._release_retired()
        task = Task(fn)
        task.setAutoDelete(False)
        self._live.add(task)

        def finish(value: Any) -> None:
            self._retire(task)
            on_done(value)

        def fail(message: str) -> None:
            self._retire(task)
            on_failed(message)

        task.signals.done.connect(finish)
        task.signals.failed.connect(fail)
        self.pool.start(task)
        return task

    def _retire(self, task: Task) -> None:
        self._live.discard(task)
        self._retired.append(task)
        self._release_retired()

    def _release_retired(self) -> None:
        if self.pool.activeThreadCount() == 0:
            self._retired.clear()

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


@dataclass(frozen=True)
class Take:
    """One recording, as shown in the analysis views (with or without a score)."""

    samples: np.ndarray
    rate: int
    spectrogram: Spectrogram
    pitch: PitchContour
    result: UtteranceResult | None = None
    seconds_scoring: float = 0.0

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def analyse(
    samples: np.ndarray,
    rate: int,
    scorer: Scorer | None,
    text: str,
    overrides: Overrides | None = None,
) -> Take:
    """Score (when a scorer is given) and compute the display signals; runs off the GUI thread."""
    t0 = time.perf_counter()
    result = None
    if scorer is not None:
        result = scorer.score(samples, text, sample_rate=rate, overrides=overrides or None)
    return Take(
        samples=samples,
        rate=rate,
        spectrogram=spectrogram(samples, rate),
        pitch=pitch_contour(samples, rate),
        result=result,
        seconds_scoring=time.perf_counter() - t0,
    )


def default_scorer_factory() -> Scorer:
    from tutor.scoring.engine import Scorer as Engine

    return Engine.load()


class ScoringService(QObject):
    """Owns the scorer: loads it once in the background and reports its state."""

    LOADING, READY, UNAVAILABLE = "loading", "ready", "unavailable"
    stateChanged = Signal(str, str)  # state, message

    def __init__(
        self,
        runner: TaskRunner,
        factory: ScorerFactory = default_scorer_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.factory = factory
        self.scorer: Scorer | None = None
        self.state = self.LOADING
        self.message = "Loading the scoring model…"

    def load(self) -> None:
        self._set(self.LOADING, "Loading the scoring model…")
        self.runner.submit(self._load, self._loaded, self._failed)

    def _load(self) -> Scorer:
        try:
            return self.factory()
        except ImportError as exc:
            raise ScoringError(f"Scoring engine not available ({exc}).") from exc

    def _loaded(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self._set(self.READY, "Ready: record when you like.")  # the version: Help › About

    def _failed(self, message: str) -> None:
        self.scorer = None
        if "not found" in message.lower() and not message.startswith("Scoring model not found"):
            message = f"Scoring model not found: {message}"
        self._set(self.UNAVAILABLE, message + " Recordings are still saved and shown.")

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.stateChanged.emit(state, message)


_lexicon_warm = False


def warm_up_lexicon(runner: TaskRunner) -> None:
    """Load the pronunciation dictionary and the g2p model once per run, off the GUI thread,
    so that the first look-up of an unknown word does not stall a window (about 1.5 s)."""
    global _lexicon_warm
    if not _lexicon_warm:
        _lexicon_warm = True
        from tutor.scoring.lexicon import Lexicon

        runner.submit(lambda: Lexicon.default().warm_up(), lambda _: None, lambda _msg: None)
