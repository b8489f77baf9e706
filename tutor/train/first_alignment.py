"""First alignments from pocketsphinx's English acoustic model (word boundaries only).

A flat start over the whole utterance lets EM collapse (a few frames per phone and one long
vowel). pocketsphinx's native-speaker model gives reliable *word* boundaries; phones are
then spread evenly inside each word, and EM refines from there. (Its phone-level second
pass fails on most of these recordings, so only the word pass is used.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tutor.scoring.phones import PHONE_INDEX, SILENCE, VOWELS, base_phone

WordSpan = tuple[int, int]  # first and one-past-last 10 ms frame


class WordSegmenter:
    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(lm=None, loglevel="FATAL")
        self._known: dict[tuple[str, ...], str] = {}

    def _word(self, phones: Sequence[str]) -> str:
        key = tuple(base_phone(p) for p in phones)
        if key not in self._known:
            name = f"w{len(self._known)}"
            self.decoder.add_word(name, " ".join(key), False)
            self._known[key] = name
        return self._known[key]

    def segment(self, samples: np.ndarray, words: Sequence[Sequence[str]]) -> list[WordSpan] | None:
        """10 ms word spans, or ``None`` when pocketsphinx cannot align the text."""
        names = [self._word(w) for w in words]
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()
        try:
            self.decoder.set_align_text(" ".join(names))
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, full_utt=True)
            self.decoder.end_utt()
        except RuntimeError:
            return None
        segments = self.decoder.seg() or []  # None when the search found no path
        spans = [
            (s.start_frame, s.end_frame + 1) for s in segments if s.word.split("(")[0] in names
        ]
        return spans if len(spans) == len(words) else None


def labels_from_word_spans(
    spans: Sequence[WordSpan],
    words: Sequence[Sequence[str]],
    n_out: int,
    subsampling: int,
    speed: float = 1.0,
) -> np.ndarray:
    """Frame labels at the model's rate: silence outside words, phones spread evenly inside
    each word (vowels weighted double). ``speed`` rescales spans for perturbed copies."""
    labels = np.full(n_out, PHONE_INDEX[SILENCE], dtype=np.int64)
    scale = 1.0 / (subsampling * speed)
    for (a, b), phones in zip(spans, words, strict=True):
        start, end = int(round(a * scale)), max(int(round(b * scale)), int(round(a * scale)) + 1)
        base = [base_phone(p) for p in phones]
        weights = np.array([2.0 if p in VOWELS else 1.0 for p in base])
        edges = start + np.round(
            np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * max(end - start, len(base))
        ).astype(int)
        for p, s, e in zip(base, edges[:-1], edges[1:], strict=True):
            labels[min(s, n_out - 1) : min(max(e, s + 1), n_out)] = PHONE_INDEX[p]
    return labels
