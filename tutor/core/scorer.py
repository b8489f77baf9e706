"""What the app needs from a scorer (:class:`tutor.scoring.engine.Scorer` is one; the tests
use a fake). The window and the workers depend on this protocol, not on the engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from tutor.scoring.result import UtteranceResult

#: pronunciation overrides: a word -> its variants (phone lists, or one string to parse)
Overrides = Mapping[str, Sequence[Sequence[str]] | str]


class Pronunciation(Protocol):
    """One prompt word and its expected pronunciations (first = most common)."""

    @property
    def text(self) -> str: ...

    @property
    def variants(self) -> Sequence[Sequence[str]]: ...


class Scorer(Protocol):
    """Scores a take against its prompt; says which phones it expects."""

    @property
    def version(self) -> str: ...

    def expected(
        self, text: str, overrides: Overrides | None = None
    ) -> Sequence[Pronunciation]: ...

    def score(
        self,
        audio: np.ndarray,
        text: str = "",
        *,
        sample_rate: int | None = None,
        overrides: Overrides | None = None,
    ) -> UtteranceResult: ...
