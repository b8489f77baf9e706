"""What the synthesiser works on: an utterance to say (:class:`SynthItem`), what an engine
made of it (:class:`Rendered`), and the error raised when it could not."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tutor.scoring.phones import split_stress
from tutor.train.mispronounce import PhoneError

RATE = 16000


@dataclass
class WordSpec:
    text: str
    canonical: tuple[str, ...]
    spoken: tuple[str, ...]


@dataclass
class SynthItem:
    """One utterance to synthesise (labels as requested; ``render`` checks them)."""

    id: str
    text: str
    words: list[WordSpec]
    engine: str
    voice: str
    errors: list[PhoneError] = field(default_factory=list)
    options: dict = field(default_factory=dict)  # engine settings, e.g. espeak speed/pitch

    @property
    def spoken_bases(self) -> list[str]:
        return [split_stress(p)[0] for w in self.words for p in w.spoken]


@dataclass
class Rendered:
    samples: np.ndarray  # float32, 16 kHz
    phones: list[str]  # CMU base phones the engine produced (no SIL)
    segments: list[tuple[str, float, float]] | None  # with SIL, exact times
    reported_end: float | None = None  # the engine's own last end time, before clipping


class SynthError(RuntimeError):
    """An engine failed or said something other than what was asked."""
