"""Did the learner read this prompt? Evidence from the posteriors and the alignment.

Three checks, each against thresholds measured on the validation slice of speechocean762
(``tutor bench --garbage`` reports how often they fire on real readings, noise, another
sentence and half readings):

- **speech**: noise keeps the acoustic model unsure on every frame (mean top posterior
  about 0.2 where speech gives about 0.55);
- **match**: where the prompt's phones were aligned, how far the expected phone's log
  posterior falls below the best phone's (the forced alignment against a free phone loop,
  per frame, as Kaldi's GOP has it); another sentence forced onto the prompt falls far.
  A phone heard as a sound learners say instead (:mod:`~tutor.scoring.substitution`) is
  forgiven that sound's margin: "wery" for *very* is the prompt with a wrong sound, which
  the learner must be shown, not a take refused as another text;
- **stopped early**: an alignment that may end before the last words, at a cost per
  phone left out (:func:`~tutor.scoring.alignment.force_align`'s ``stop_penalty``): words
  the recording does not hold are cheaper to leave out than to force in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .alignment import force_align, said_words
from .errors import ModelError, NotThePromptError
from .gop import PHONE_FEATURES, GopFeatures
from .phones import PHONE_INDEX, SILENCE
from .substitution import Competitor

SIL = PHONE_INDEX[SILENCE]
GOP_MAX = PHONE_FEATURES.index("gop_max")


@dataclass(frozen=True)
class PromptThresholds:
    """Where the checks draw their lines. They depend on the acoustic model, so a model
    carries its own in its metadata (``prompt_check``, JSON with these field names,
    measured on the validation slice when it was built); the defaults were measured with
    the ``distil-20261124`` model."""

    #: Mean top posterior over the frames not heard as silence: noise stays near 0.2 with
    #: that model, the lowest 2 % of real readings near 0.43.
    min_speech_confidence: float = 0.33
    #: Share of frames not heard as silence: a model that hears noise as silence leaves
    #: almost none (real readings: lowest 0.28).
    min_speech_share: float = 0.1
    #: Mean frame-normalised GOP (expected vs best phone, less any confusable sound's
    #: margin) over the said phones. Measured per model; with the forgiveness, stop 17's
    #: pair: real readings median -0.5, lowest 1 % near -1.8; another sentence median -3.9.
    min_prompt_match: float = -2.6
    #: Log-likelihood per phone left unsaid when the reading stops early (2 / 4 / 6 / 8 /
    #: 10 / 12 tried: at 8, 0.1 % of the words of real readings are left out and 93 % of
    #: the words cut from half readings are).
    stop_penalty: float = 8.0

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str]) -> PromptThresholds:
        raw = metadata.get("prompt_check")
        if not raw:
            return cls()
        try:
            values = json.loads(raw)
            return cls(**{k: float(v) for k, v in values.items()})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ModelError(f"the acoustic model's prompt_check is not valid: {raw!r}") from exc


@dataclass(frozen=True)
class PromptEvidence:
    speech_confidence: float
    speech_share: float
    match: float  # mean GOP over the said words' phones (-inf when none was said)
    said: tuple[bool, ...]  # per word: did the recording hold it?

    @property
    def n_said(self) -> int:
        return sum(self.said)


def prompt_match(gop: GopFeatures, rivals: Sequence[Competitor]) -> float:
    """How well the audio matches the prompt's aligned phones: the mean frame-normalised
    GOP (expected phone against the best phone) over them, each phone's shortfall less the
    margin of the confusable sound heard there (``rivals``, one per phone)."""
    margins = np.array([max(r.margin, 0.0) for r in rivals], dtype=np.float64)
    return float(np.minimum(0.0, gop.phone_features[:, GOP_MAX] + margins).mean())


def speech_frames(log_post: np.ndarray) -> tuple[float, float]:
    """(mean top posterior over the frames not heard as silence, their share)."""
    speechy = np.exp(log_post[:, SIL]) < 0.5
    if not speechy.any():
        return 0.0, 0.0
    return float(np.exp(log_post.max(axis=1)[speechy]).mean()), float(speechy.mean())


def words_said(
    log_post: np.ndarray, variants: Sequence[Sequence[Sequence[str]]], stop_penalty: float
) -> tuple[bool, ...]:
    """Per word, whether the recording holds it: all words but those after an early stop."""
    try:
        ali = force_align(log_post, variants, stop_penalty=stop_penalty)
    except ValueError:
        return (True,) * len(variants)
    return said_words(ali, len(variants))


def refuse_if_not_the_prompt(evidence: PromptEvidence, text: str, limits: PromptThresholds) -> None:
    if (
        evidence.speech_confidence < limits.min_speech_confidence
        or evidence.speech_share < limits.min_speech_share
    ):
        raise NotThePromptError(
            "That did not sound like speech (noise or a noisy room?). "
            "Record again close to the microphone and read the prompt aloud."
        )
    if not evidence.n_said or evidence.match < limits.min_prompt_match:
        raise NotThePromptError(
            f"That did not sound like the prompt. Read exactly this aloud: “{text}”."
        )
