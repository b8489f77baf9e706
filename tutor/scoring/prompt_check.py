"""Did the learner read this prompt? Evidence from the posteriors and the alignment.

Three checks, each against thresholds measured on the validation slice of speechocean762
(``tutor bench --garbage`` reports how often they fire on real readings, noise, another
sentence and half readings):

- **speech**: noise keeps the acoustic model unsure on every frame (mean top posterior
  about 0.2 where speech gives about 0.55);
- **match**: where the prompt's phones were aligned, how far the expected phone's log
  posterior falls below the best phone's (the forced alignment against a free phone loop,
  per frame, as Kaldi's GOP has it); another sentence forced onto the prompt falls far;
- **stopped early**: an alignment that may end before the last words, at a cost per
  phone left out (:func:`~tutor.scoring.alignment.force_align`'s ``stop_penalty``): words
  the recording does not hold are cheaper to leave out than to force in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .alignment import force_align, said_words
from .errors import NotThePromptError
from .phones import PHONE_INDEX, SILENCE

SIL = PHONE_INDEX[SILENCE]
#: Mean top posterior over the frames not heard as silence; noise stays near 0.2, the
#: lowest 2 % of real readings near 0.43.
MIN_SPEECH_CONFIDENCE = 0.33
#: Mean frame-normalised GOP (expected vs best phone) over the said phones: real readings
#: median -1.0, lowest 1 % near -2.6; another sentence median -4.
MIN_PROMPT_MATCH = -2.6
#: Log-likelihood per phone left unsaid when the reading stops early (tuned on validation
#: with 2 / 4 / 8 / 10 / 12: at 12 no word of a real reading is left out and 87 % of the
#: words cut from half readings are; 10 drops the bundled sample's mumbled last word).
STOP_PENALTY = 8.0


@dataclass(frozen=True)
class PromptEvidence:
    speech_confidence: float
    match: float  # mean GOP over the said words' phones (-inf when none was said)
    said: tuple[bool, ...]  # per word: did the recording hold it?

    @property
    def n_said(self) -> int:
        return sum(self.said)


def speech_confidence(log_post: np.ndarray) -> float:
    """Mean top posterior over the frames not heard as silence (0 when all are)."""
    speechy = np.exp(log_post[:, SIL]) < 0.5
    return float(np.exp(log_post.max(axis=1)[speechy]).mean()) if speechy.any() else 0.0


def words_said(
    log_post: np.ndarray, variants: Sequence[Sequence[Sequence[str]]]
) -> tuple[bool, ...]:
    """Per word, whether the recording holds it: all words but those after an early stop."""
    try:
        ali = force_align(log_post, variants, stop_penalty=STOP_PENALTY)
    except ValueError:
        return (True,) * len(variants)
    return said_words(ali, len(variants))


def refuse_if_not_the_prompt(evidence: PromptEvidence, text: str) -> None:
    if evidence.speech_confidence < MIN_SPEECH_CONFIDENCE:
        raise NotThePromptError(
            "That did not sound like speech (noise or a noisy room?). "
            "Record again close to the microphone and read the prompt aloud."
        )
    if not evidence.n_said or evidence.match < MIN_PROMPT_MATCH:
        raise NotThePromptError(
            f"That did not sound like the prompt. Read exactly this aloud: “{text}”."
        )
