"""The scoring head's input and output contract, shared by the runtime and training.

Inputs: ``phone_features`` (1, N, F), ``phone_ids`` (1, N), ``word_membership`` (1, W, N)
(row-normalised: which phones make each word) and ``utterance_features`` (1, U).
Outputs: ``phone_score`` (1, N) on 0..2, ``word_scores`` (1, W, 3) accuracy/stress/total
on 0..10, and ``utterance_scores`` (1, 5) accuracy/fluency/prosodic/completeness/total.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .errors import ModelError
from .gop import PHONE_FEATURES, UTTERANCE_FEATURES, GopFeatures
from .model import ScoringHead

WORD_SCORES = ("accuracy", "stress", "total")
UTTERANCE_SCORES = ("accuracy", "fluency", "prosodic", "completeness", "total")


@dataclass(frozen=True)
class HeadOutputs:
    phone: np.ndarray  # (N,)
    word: np.ndarray  # (W, 3): WORD_SCORES
    utterance: np.ndarray  # (5,): UTTERANCE_SCORES

    def utterance_scores(self, low: float = 0.0, high: float = 10.0) -> dict[str, np.floating]:
        """The utterance outputs by name (:data:`UTTERANCE_SCORES`), clipped to the scale
        (numpy scalars of the model's dtype, so arithmetic on them is unchanged)."""
        clipped = np.clip(self.utterance, low, high)
        return {name: clipped[k] for k, name in enumerate(UTTERANCE_SCORES)}

    def word_score(self, word: int, name: str) -> float:
        """One word's output by name (:data:`WORD_SCORES`), clipped to 0..10."""
        return float(np.clip(self.word[word, WORD_SCORES.index(name)], 0.0, 10.0))


def word_membership(word_ids: np.ndarray, n_words: int) -> np.ndarray:
    m = (word_ids[None, :] == np.arange(n_words)[:, None]).astype(np.float32)
    return m / np.maximum(m.sum(axis=1, keepdims=True), 1.0)


def head_inputs(gop: GopFeatures, n_words: int) -> dict[str, np.ndarray]:
    return {
        "phone_features": gop.phone_features[None].astype(np.float32),
        "phone_ids": gop.phone_ids[None].astype(np.int64),
        "word_membership": word_membership(gop.word_ids, n_words)[None],
        "utterance_features": gop.utterance_features[None].astype(np.float32),
    }


def check_contract(head: ScoringHead) -> None:
    if (
        tuple(json.loads(head.metadata.get("phone_features", "[]"))) != PHONE_FEATURES
        or tuple(json.loads(head.metadata.get("utterance_features", "[]"))) != UTTERANCE_FEATURES
    ):
        raise ModelError(f"{head.path.name} expects other GOP features than this runtime makes.")


def run_head(head: ScoringHead, gop: GopFeatures, n_words: int) -> HeadOutputs:
    out = head.run(head_inputs(gop, n_words))
    return HeadOutputs(
        phone=out["phone_score"][0],
        word=out["word_scores"][0],
        utterance=out["utterance_scores"][0],
    )
