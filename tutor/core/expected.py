"""The words and expected phones of a prompt, for showing it before it is scored."""

from __future__ import annotations

import logging
import re

from tutor.scoring.errors import ScoringError
from tutor.scoring.lexicon import pronounce

from .scorer import Overrides, Pronunciation, Scorer

log = logging.getLogger(__name__)

WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")
ExpectedWords = list[tuple[str, tuple[str, ...]]]


def expected_words(
    text: str, overrides: Overrides | None = None, scorer: Scorer | None = None
) -> ExpectedWords:
    """``[(word, phones), ...]`` for the prompt (first variant, stress digits kept); the
    words without phones when the text cannot be pronounced.

    Slow the first time (dictionary load): call it off the GUI thread.
    """
    words: list[Pronunciation]
    try:
        if scorer is not None:
            words = list(scorer.expected(text, overrides or None))
        else:
            words = list(pronounce(text, overrides or None))
    except (ScoringError, ValueError, LookupError, OSError) as exc:
        log.info("No pronunciation for %r: %s", text, exc)
        return [(w, ()) for w in WORD_RE.findall(text)]
    return [(str(w.text), tuple(w.variants[0]) if w.variants else ()) for w in words]
