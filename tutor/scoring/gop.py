"""Goodness-of-pronunciation features per aligned phone (after Kaldi's GOP recipe).

For the segment of each expected phone ``p`` the features are its log phone posterior
(LPP), the log posterior ratios against every phone (LPR), the frame-normalised
max-ratio GOP, and duration; utterance features describe pace and pauses. The scoring
head maps them to human-like scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .alignment import Alignment
from .phones import PHONE_INDEX, PHONE_SET, SILENCE, VOWELS, split_stress

SIL = PHONE_INDEX[SILENCE]
N_CLASSES = len(PHONE_SET)

PHONE_FEATURES: tuple[str, ...] = (
    "lpp", "gop_max", "post_mean", "sil_post", "log_dur", "dur_frames_inv",
    "word_initial", "word_final", "is_vowel", "stress0", "stress1", "stress2",
    *(f"lpr_{p}" for p in PHONE_SET),
)  # fmt: skip
#: Utterance features are rates and shares, not counts or lengths, so a correct reading
#: does not score lower for being longer (five sentences read well score like one).
UTTERANCE_FEATURES: tuple[str, ...] = (
    "speech_ratio", "phones_per_second", "pauses_per_word", "pause_share",
    "lead_silence", "trail_silence", "mean_lpp", "low_word_lpp",
)  # fmt: skip


@dataclass(frozen=True)
class GopFeatures:
    phone_features: np.ndarray  # (n_phones, len(PHONE_FEATURES)) float32
    phone_ids: np.ndarray  # (n_phones,) int64 index into PHONE_SET
    word_ids: np.ndarray  # (n_phones,) int64
    utterance_features: np.ndarray  # (len(UTTERANCE_FEATURES),) float32
    heard: tuple[str, ...]  # most likely phone per segment
    lpp: np.ndarray  # (n_phones,)


def _segment_stats(log_post: np.ndarray, start: int, end: int, label: int):
    seg = log_post[start:end]
    mean_lp = seg.mean(axis=0)
    lpp = float(mean_lp[label])
    gop_max = float(np.mean(seg[:, label] - seg.max(axis=1)))
    post = np.exp(seg)
    return lpp, gop_max, float(post[:, label].mean()), float(post[:, SIL].mean()), mean_lp


def gop_features(log_post: np.ndarray, alignment: Alignment, frame_shift: float) -> GopFeatures:
    phones = alignment.phones
    n = len(phones)
    feats = np.zeros((n, len(PHONE_FEATURES)), dtype=np.float32)
    ids = np.zeros(n, dtype=np.int64)
    words = np.zeros(n, dtype=np.int64)
    heard: list[str] = []
    lpps = np.zeros(n, dtype=np.float32)
    for k, p in enumerate(phones):
        label = PHONE_INDEX[p.phone]
        lpp, gop_max, post_mean, sil_post, mean_lp = _segment_stats(log_post, p.start, p.end, label)
        dur = p.end - p.start
        _, stress = split_stress(p.token)
        first = k == 0 or phones[k - 1].word_index != p.word_index
        last = k == n - 1 or phones[k + 1].word_index != p.word_index
        feats[k, :12] = (
            lpp, gop_max, post_mean, sil_post, np.log(dur * frame_shift), 1.0 / dur,
            first, last, p.phone in VOWELS, stress == 0, stress == 1, stress == 2,
        )  # fmt: skip
        feats[k, 12:] = lpp - mean_lp
        ids[k] = label
        words[k] = p.word_index
        lpps[k] = lpp
        speech = mean_lp.copy()
        speech[SIL] = -np.inf
        best = int(np.argmax(speech))
        heard.append(SILENCE if sil_post > 0.5 else PHONE_SET[best])
    return GopFeatures(
        feats,
        ids,
        words,
        _utterance_features(alignment, lpps, words, frame_shift),
        tuple(heard),
        lpps,
    )


def _utterance_features(
    alignment: Alignment, lpps: np.ndarray, words: np.ndarray, frame_shift: float
) -> np.ndarray:
    phones = alignment.phones
    speech_frames = sum(p.end - p.start for p in phones)
    first = phones[0].start if phones else 0
    last = phones[-1].end if phones else alignment.n_frames
    inner = [(s, e) for s, e in alignment.silences if s > first and e < last]
    pauses = [(e - s) * frame_shift for s, e in inner if (e - s) * frame_shift >= 0.1]
    word_lpp = [float(lpps[words == w].mean()) for w in np.unique(words)] if len(words) else [0.0]
    speech_seconds = max(speech_frames * frame_shift, 1e-3)
    n_words = max(len(word_lpp), 1)
    return np.array(
        [
            speech_frames / max(alignment.n_frames, 1),
            len(phones) / speech_seconds,
            len(pauses) / n_words,
            sum(pauses) / max((last - first) * frame_shift, 1e-3),
            first * frame_shift,
            (alignment.n_frames - last) * frame_shift,
            float(lpps.mean()) if len(lpps) else 0.0,
            float(np.percentile(word_lpp, 10)),
        ],
        dtype=np.float32,
    )
