"""A take heard in a classroom: other learners' speech mixed in at a chosen SNR.

``tutor bench --classroom SNR`` scores every utterance this way, so the engine's figures
under classroom noise stand beside the clean ones. The mix is deterministic: the talkers
are other speakers' utterances of the same split, chosen from the utterance id.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .audio import TARGET_RATE, Audio, load_audio
from .errors import ScoringError
from .speechocean import LabelledUtterance

OTHER_TALKERS = 2


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64))) if x.size else 0.0


def mix_at_snr(samples: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``samples`` plus ``noise`` (looped or cut to length) scaled so the power ratio over
    the whole take is ``snr_db``; clipped to [-1, 1] like a real recorder."""
    if not samples.size or not noise.size or _power(noise) == 0.0:
        return samples.astype(np.float32)
    reps = -(-samples.size // noise.size)
    noise = np.tile(noise, reps)[: samples.size]
    scale = np.sqrt(_power(samples) / (_power(noise) * 10.0 ** (snr_db / 10.0)))
    return np.clip(samples + scale * noise, -1.0, 1.0).astype(np.float32)


def other_talkers(
    utt: LabelledUtterance, utts: Sequence[LabelledUtterance], n: int = OTHER_TALKERS
) -> list[LabelledUtterance]:
    """``n`` utterances of other speakers (each a different speaker), fixed by ``utt``'s id."""
    rng = np.random.default_rng(zlib.crc32(utt.utt_id.encode()) + 7)
    picked: list[LabelledUtterance] = []
    for k in rng.permutation(len(utts)):
        cand = utts[int(k)]
        if cand.speaker != utt.speaker and all(cand.speaker != p.speaker for p in picked):
            picked.append(cand)
            if len(picked) == n:
                break
    return picked


def classroom_take(
    utt: LabelledUtterance, audio: Audio, utts: Sequence[LabelledUtterance], snr_db: float
) -> Audio:
    """``audio`` (``utt``'s take) with other learners talking at ``snr_db`` below it.

    ScoringError when ``utts`` holds no other speaker: a clean take must never be measured
    as a classroom one."""
    talkers = [load_audio(o.audio).samples for o in other_talkers(utt, utts)]
    if not talkers:
        raise ScoringError(
            f"classroom noise needs recordings by other speakers than {utt.speaker!r}; "
            "this split has none"
        )
    n = audio.samples.size
    babble = np.zeros(n, np.float32)
    for t in talkers:
        looped = np.tile(t, -(-n // t.size))[:n]
        babble += looped / np.sqrt(max(_power(looped), 1e-20))
    mixed = mix_at_snr(audio.samples, babble, snr_db)
    return Audio(samples=mixed, sample_rate=TARGET_RATE, warnings=audio.warnings)
