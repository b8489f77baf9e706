"""Letters -> CMU phones for words missing from the CMU dictionary, fully offline.

g2p-en ships a small GRU encoder-decoder (``checkpoint20.npz``) trained on the CMU
dictionary, but importing ``g2p_en`` runs ``nltk.data.find`` for a POS tagger and the NLTK
cmudict corpus and calls ``nltk.download`` (network) when they are missing.  We only need
its word -> phones model (homographs are covered by the CMU dictionary, which lists every
variant), so this module locates the checkpoint with ``importlib.util.find_spec`` -- which
does not execute the package -- and runs the same network in numpy.  Neither ``g2p_en.g2p``
nor ``nltk`` is ever imported, so no download can be triggered.  ``tests/test_lexicon.py``
checks the predictions against g2p-en's own ``G2p.predict``.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from .errors import ModelError
from .phones import CMU_PHONES, VOWELS

CHECKPOINT_NAME = "checkpoint20.npz"

# Vocabularies the checkpoint was trained with (g2p-en 2.x): index 0..2 are <pad>, <unk>,
# </s> for letters; 0..3 are <pad>, <unk>, <s>, </s> for phones, followed by the CMU phone
# tokens in sorted order (vowels with stress 0/1/2, plus a bare "UW").
GRAPHEMES: tuple[str, ...] = ("<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz")
PHONEMES: tuple[str, ...] = (
    "<pad>",
    "<unk>",
    "<s>",
    "</s>",
    *sorted(
        [p for p in CMU_PHONES if p not in VOWELS] + [v + s for v in VOWELS for s in "012"] + ["UW"]
    ),
)
_UNK_LETTER = GRAPHEMES.index("<unk>")
_END_LETTER = GRAPHEMES.index("</s>")
_START_PHONE = PHONEMES.index("<s>")
_END_PHONE = PHONEMES.index("</s>")
_LETTER_INDEX = {g: i for i, g in enumerate(GRAPHEMES)}

_ARRAYS = (
    "enc_emb", "enc_w_ih", "enc_w_hh", "enc_b_ih", "enc_b_hh",
    "dec_emb", "dec_w_ih", "dec_w_hh", "dec_b_ih", "dec_b_hh", "fc_w", "fc_b",
)  # fmt: skip


def checkpoint_path() -> Path:
    """Where g2p-en's weights are installed (found without importing ``g2p_en``)."""
    spec = importlib.util.find_spec("g2p_en")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / CHECKPOINT_NAME
        if candidate.is_file():
            return candidate
    raise ModelError(
        "The letter-to-sound model for unknown words (g2p-en's checkpoint20.npz) is not "
        "installed; reinstall the 'g2p-en' package."
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: same values as 1 / (1 + exp(-x)) without overflow warnings.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class _GRU:
    """One GRU layer in PyTorch's gate layout (reset, update, new)."""

    def __init__(self, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray):
        self.w_ih_t = np.ascontiguousarray(w_ih.T)
        self.w_hh_t = np.ascontiguousarray(w_hh.T)
        self.b_ih = b_ih
        self.b_hh = b_hh
        self.size = w_hh.shape[1]

    def input_projection(self, x: np.ndarray) -> np.ndarray:
        return x @ self.w_ih_t + self.b_ih

    def step(self, projected_x: np.ndarray, h: np.ndarray) -> np.ndarray:
        projected_h = h @ self.w_hh_t + self.b_hh
        n = self.size
        reset = _sigmoid(projected_x[:n] + projected_h[:n])
        update = _sigmoid(projected_x[n : 2 * n] + projected_h[n : 2 * n])
        new = np.tanh(projected_x[2 * n :] + reset * projected_h[2 * n :])
        return (1.0 - update) * new + update * h


class G2PModel:
    """Greedy letter-to-phone decoder; ``predict("zorblat")`` -> ``("Z", "AO1", ...)``."""

    def __init__(self, weights: dict[str, np.ndarray]):
        missing = [name for name in _ARRAYS if name not in weights]
        if missing:
            raise ModelError(f"The g2p checkpoint lacks the arrays {', '.join(missing)}.")
        w = {name: np.asarray(weights[name], dtype=np.float32) for name in _ARRAYS}
        if w["enc_emb"].shape[0] != len(GRAPHEMES) or w["fc_w"].shape[0] != len(PHONEMES):
            raise ModelError(
                "The g2p checkpoint does not match g2p-en 2.x's letter/phone inventory "
                f"(embeddings {w['enc_emb'].shape}, output layer {w['fc_w'].shape})."
            )
        self._enc_emb = w["enc_emb"]
        self._dec_emb = w["dec_emb"]
        self._encoder = _GRU(w["enc_w_ih"], w["enc_w_hh"], w["enc_b_ih"], w["enc_b_hh"])
        self._decoder = _GRU(w["dec_w_ih"], w["dec_w_hh"], w["dec_b_ih"], w["dec_b_hh"])
        # Input projections of every phone embedding, so each decoder step is one lookup.
        self._dec_inputs = self._decoder.input_projection(self._dec_emb)
        self._fc_w_t = np.ascontiguousarray(w["fc_w"].T)
        self._fc_b = w["fc_b"]
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None) -> G2PModel:
        path = path or checkpoint_path()
        try:
            with np.load(path) as archive:
                weights = {name: archive[name] for name in archive.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot read the g2p checkpoint {path}: {exc}") from exc
        return cls(weights)

    def predict(self, word: str) -> tuple[str, ...]:
        """Phones (CMU, with stress digits) for a word made of the letters a-z.

        Other characters are fed to the model as "unknown", as g2p-en does; callers should
        pass letters only.  Returns an empty tuple when the model produces no phone.
        """
        letters = word.lower()
        if not letters:
            return ()
        ids = [_LETTER_INDEX.get(ch, _UNK_LETTER) for ch in letters] + [_END_LETTER]
        with self._lock:  # numpy releases the GIL; keep the (cheap) decode serial
            projected = self._encoder.input_projection(self._enc_emb[ids])
            h = np.zeros(self._encoder.size, dtype=np.float32)
            for row in projected:
                h = self._encoder.step(row, h)

            phones: list[str] = []
            previous = _START_PHONE
            # g2p-en stops after 20 steps; longer words need more room (about one phone
            # per letter), so allow a few more than there are letters.
            for _ in range(max(20, len(letters) + 5)):
                h = self._decoder.step(self._dec_inputs[previous], h)
                previous = int(np.argmax(h @ self._fc_w_t + self._fc_b))
                if previous == _END_PHONE:
                    break
                token = PHONEMES[previous]
                if not token.startswith("<"):
                    phones.append(token)
        return tuple(phones)
