"""The distillation's examples: recordings with the teacher's posteriors and hard labels,
the synthetic takes, and the per-epoch variations of them (classroom copies, SpecAugment).

Used by :mod:`tutor.train.distil_whisper`, which trains on them.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from tutor.atomic import write_bytes
from tutor.scoring.audio import TARGET_RATE, change_speed, load_audio
from tutor.scoring.features import FeatureConfig, frame_features, hz_to_mel, mel_to_hz
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import PHONE_SET
from tutor.scoring.speechocean import LabelledUtterance

from .augment import add_noise, reverberate
from .synth_teacher import (
    audio_key,
    swapped_prompt_phones,
    swaps_by_audio,
    synth_targets,
)
from .teacher_phones import (
    aligned_labels,
    aligned_phone_scores,
    teacher_digest,
    teacher_hidden,
    teacher_posteriors,
)

NOISY_SNR_DB = (0.0, 25.0)
REVERB_SHARE = 0.3
BABBLE_SHARE = 0.6  # of the noisy copies; the rest white or pink
T = TypeVar("T")
U = TypeVar("U")


@dataclass
class Example:
    samples: np.ndarray  # the (sped-up) recording, for noisy copies
    feats: np.ndarray
    teacher: np.ndarray  # teacher log posteriors on the clean recording
    labels: np.ndarray
    trusted: np.ndarray | None = None  # per label frame: may the hard label teach here
    utt_id: str = ""  # the corpus utterance (empty for a synthetic take)
    speed: float = 1.0
    hidden: np.ndarray | None = None  # teacher's hidden layer per label frame (float16)
    weight: np.ndarray | None = None  # per label frame: how much its loss counts (1 if None)
    rival: np.ndarray | None = None  # per label frame: the prompt's phone a swap replaced, or -1


def examples(
    utts: list[LabelledUtterance],
    teacher: Path,
    acoustic: AcousticModel,
    speeds: tuple[float, ...],
    trust: float | None = None,
) -> list[Example]:
    """Every utterance at every speed with the teacher's posteriors and the forced-alignment
    labels. The targets are cached beside the teacher's frames (keyed by the utterances,
    the speeds, the aligning model and the teacher's phone model), the recordings are read
    again."""
    teacher_hash = teacher_digest(teacher)
    key = hashlib.sha1(
        json.dumps(
            [[u.utt_id for u in utts], speeds, acoustic.metadata.get("version"), teacher_hash]
        ).encode()
    ).hexdigest()[:16]
    cache = teacher / f"distil-examples-{key}.pkl"
    targets: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]] = (
        pickle.loads(cache.read_bytes()) if cache.is_file() else {}
    )
    fresh = not targets
    post = teacher_posteriors(teacher) if fresh else None
    out: list[Example] = []
    for k, u in enumerate(utts):
        t1 = post(u, 1.0) if post is not None else None
        if post is not None and t1 is None:
            continue
        audio = load_audio(u.audio)
        quality = phone_quality(u, audio.samples, acoustic) if trust is not None else None
        for s in speeds:
            samples = change_speed(audio.samples, audio.sample_rate, s)
            if not fresh:
                if (u.utt_id, s) in targets:
                    feats, soft, labels = targets[(u.utt_id, s)]
                    out.append(Example(samples, feats.astype(np.float32),
                                       soft.astype(np.float32), labels,
                                       trusted_frames(quality, len(labels), s, trust),
                                       u.utt_id, s))  # fmt: skip
                continue
            assert t1 is not None
            feats = frame_features(samples, acoustic.features)
            log_post = acoustic.log_posteriors(feats)
            n = len(log_post)
            try:
                labels = aligned_labels(log_post, u)
            except ValueError:  # too few frames at this speed
                continue
            soft = warped(t1, n, s).astype(np.float32)
            ex = Example(samples, feats.astype(np.float32), soft, labels,
                         trusted_frames(quality, len(labels), s, trust), u.utt_id, s)  # fmt: skip
            out.append(ex)
            targets[(u.utt_id, s)] = (ex.feats.astype(np.float16), ex.teacher, labels)
        if (k + 1) % 250 == 0:
            print(f"distil examples: {k + 1}/{len(utts)}", file=sys.stderr, flush=True)
    if fresh:
        write_bytes(cache, pickle.dumps(targets, protocol=pickle.HIGHEST_PROTOCOL))
    return out


def warped(frames: np.ndarray, n: int, speed: float) -> np.ndarray:
    """``n`` rows of speed-1 ``frames`` for a copy played ``speed`` times faster: row j is
    the speed-1 frame j * speed."""
    idx = np.clip(np.round(np.arange(n) * speed).astype(int), 0, len(frames) - 1)
    return frames[idx]


def with_teacher_hidden(exs: list[Example], teacher: Path) -> list[Example]:
    """``exs`` with the teacher's hidden layer as a per-frame target (feature
    distillation); synthetic takes and takes without teacher frames are left without."""
    hidden = teacher_hidden(teacher)
    by_utt: dict[str, np.ndarray | None] = {}
    out = []
    for e in exs:
        if e.utt_id and e.utt_id not in by_utt:
            h = hidden(e.utt_id)
            by_utt[e.utt_id] = None if h is None else h.astype(np.float16)
        h = by_utt.get(e.utt_id)
        out.append(e if h is None else replace(e, hidden=warped(h, len(e.labels), e.speed)))
    return out


def phone_quality(
    utt: LabelledUtterance, samples: np.ndarray, acoustic: AcousticModel
) -> np.ndarray | None:
    """The experts' score of the phone under every speed-1 frame; None if it cannot align."""
    log_post = acoustic.log_posteriors(frame_features(samples, acoustic.features))
    try:
        return aligned_phone_scores(log_post, utt)
    except ValueError:
        return None


def trusted_frames(
    quality: np.ndarray | None, n: int, speed: float, trust: float | None
) -> np.ndarray | None:
    """Which of ``n`` frames at ``speed`` lie on phones scored at least ``trust``."""
    if trust is None:
        return None
    if quality is None:
        return np.zeros(n, bool)
    return warped(quality, n, speed) >= trust


KNOWN_SMOOTHING = 0.1  # of a known label's probability spread over the other phones


def known_targets(labels: np.ndarray, smoothing: float = KNOWN_SMOOTHING) -> np.ndarray:
    """Log posteriors that put ``1 - smoothing`` on each frame's known phone (uniform where
    a frame has no label; those frames teach nothing)."""
    n = len(PHONE_SET)
    probs = np.full((len(labels), n), smoothing / (n - 1), np.float32)
    labelled = labels >= 0
    probs[np.flatnonzero(labelled), labels[labelled]] = 1.0 - smoothing
    probs[~labelled] = 1.0 / n
    return np.log(probs)


KNOWN_MODES = ("all", "swaps")


def synth_examples(
    manifest: Path,
    teacher: Path,
    acoustic: AcousticModel,
    known: str | None = None,
    swap_weight: float = 1.0,
) -> list[Example]:
    """The manifest's synthetic takes as examples (speed 1; labels always trusted). Their
    soft targets are the teacher's posteriors, except with ``known``: ``"all"`` puts the
    phones each engine was told to say (:func:`known_targets`) on every frame, ``"swaps"``
    only on the frames of the phones said in place of the prompt's. The teacher hears the
    whole word, so it hears some synthetic wrong sounds as the right ones (espeak-ng's
    "sink" as TH); elsewhere its posteriors teach more than a one-hot label. With
    ``"swaps"`` those frames' loss counts ``swap_weight`` times (they are about 2 % of the
    synthetic frames)."""
    swaps = swaps_by_audio(manifest) if known == "swaps" else {}
    out, overridden = [], 0
    for path, feats, soft, labels in synth_targets(manifest, teacher, acoustic):
        target, weight, rival = soft, None, None
        swap = swaps.get(audio_key(path))
        if known == "all":
            target = known_targets(labels)
        elif swap is not None:
            positions, spoken, prompt = swap
            rival = swapped_prompt_phones(labels, positions, spoken, prompt)
            mask = rival >= 0
            target = np.where(mask[:, None], known_targets(labels), soft).astype(np.float32)
            weight = np.where(mask, swap_weight, 1.0).astype(np.float32)
            overridden += int(mask.sum())
        samples = load_audio(path).samples
        ex = Example(samples, feats.astype(np.float32), target, labels, weight=weight, rival=rival)
        out.append(ex)
    print(f"synthetic examples: {len(out)}" + (f" ({overridden} swapped frames taught their "
          "told phone)" if known == "swaps" else ""), file=sys.stderr, flush=True)  # fmt: skip
    return out


def noisy_copy(
    ex: Example, rng: np.random.Generator, sources: list[np.ndarray], features: FeatureConfig
) -> Example:
    """``ex`` heard in a classroom: reverberant at times, then babble or noise at 0-25 dB."""
    x = ex.samples
    if rng.random() < REVERB_SHARE:
        x = reverberate(x, TARGET_RATE, rng)
    babble = rng.random() < BABBLE_SHARE
    picks = [sources[int(i)] for i in rng.integers(len(sources), size=3)] if babble else None
    x = add_noise(
        x,
        TARGET_RATE,
        rng,
        float(rng.uniform(*NOISY_SNR_DB)),
        kind="babble" if babble else str(rng.choice(("white", "pink"))),
        sources=picks,
    )
    feats = frame_features(x, features)[: len(ex.feats)]
    return replace(ex, feats=feats.astype(np.float32))


def refeatured(items: list[Example], features: FeatureConfig) -> list[Example]:
    """``items`` with features computed afresh from their takes (another mel count, or the
    voicing columns: the frames are the same, so the teacher's targets and the labels still
    line up)."""
    return [
        replace(e, feats=frame_features(e.samples, features)[: len(e.feats)].astype(np.float32))
        for e in items
    ]


def in_class(
    items: list[Example],
    share: float,
    rng: np.random.Generator,
    sources: list[np.ndarray],
    features: FeatureConfig | None,
    synthetic: bool = True,
) -> list[Example]:
    """``items`` with a ``share`` of them replaced by classroom copies (``synthetic=False``:
    only corpus recordings; synthetic takes always stay clean)."""
    if share <= 0 or features is None:
        return items
    return [
        noisy_copy(e, rng, sources, features)
        if rng.random() < share and (synthetic or e.utt_id)
        else e
        for e in items
    ]


FREQ_MASK, TIME_MASK, MASKS = 8, 20, 2


def spec_augment(
    x: torch.Tensor, rng: np.random.Generator, mels: int | None = None
) -> torch.Tensor:
    """``x`` (batch, frames, columns) with ``MASKS`` mel bands and time spans of each
    example set to 0 (the features are mean-normalised, so 0 is their average). Band
    masks stay inside the first ``mels`` columns (all of them by default)."""
    x = x.clone()
    frames, mels = x.shape[1], x.shape[2] if mels is None else mels
    for j in range(x.shape[0]):
        for _ in range(MASKS):
            w = int(rng.integers(0, FREQ_MASK + 1))
            f = int(rng.integers(0, max(mels - w, 0) + 1))
            x[j, :, f : f + w] = 0.0
            w = int(rng.integers(0, min(TIME_MASK, frames // 10) + 1))
            t = int(rng.integers(0, max(frames - w, 0) + 1))
            x[j, t : t + w, :] = 0.0
    return x


VTLP_RANGE = (0.9, 1.1)


def vtlp(x: torch.Tensor, rng: np.random.Generator, features: FeatureConfig) -> torch.Tensor:
    """``x`` (batch, frames, mels) with each example's spectrum stretched by its own factor
    a in ``VTLP_RANGE`` (vocal tract length perturbation): the log-mel value at frequency f
    becomes the one at f / a, read between mel bins by linear interpolation. A take
    sounds as if from a speaker with a longer or shorter vocal tract; a new "speaker" every
    epoch for a corpus of only a hundred. Columns after ``features.n_mels`` (voicing) are
    kept as they are."""
    n_mels = features.n_mels
    lo_mel, hi_mel = (float(hz_to_mel(f)) for f in (features.f_min, features.f_max))
    step = (hi_mel - lo_mel) / (n_mels + 1)
    centres = lo_mel + step * np.arange(1, n_mels + 1)  # each bin's centre, in mel
    out = x.clone()
    for j in range(x.shape[0]):
        a = float(rng.uniform(*VTLP_RANGE))
        source = hz_to_mel(mel_to_hz(centres) / a)
        pos = np.clip((source - lo_mel) / step - 1, 0, n_mels - 1)
        left = np.minimum(np.floor(pos).astype(int), n_mels - 2)
        w = torch.from_numpy((pos - left).astype(np.float32))
        out[j, :, :n_mels] = x[j][:, left] * (1 - w) + x[j][:, left + 1] * w
    return out


BATCH = 16  # examples a training step sees (the distillations, the soup's norm pass)


def batch_of(items: list[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    t = max(len(e.feats) for e in items)
    n = max(len(e.labels) for e in items)
    x = torch.zeros(len(items), t, items[0].feats.shape[1])
    soft = torch.zeros(len(items), n, len(PHONE_SET))
    hard = torch.full((len(items), n), -100, dtype=torch.long)
    for j, e in enumerate(items):
        x[j, : len(e.feats)] = torch.from_numpy(e.feats)
        soft[j, : len(e.teacher)] = torch.from_numpy(np.exp(e.teacher))
        hard[j, : len(e.labels)] = torch.from_numpy(e.labels)
    return x, soft, hard


def hidden_batch(items: list[Example], n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The teacher's hidden layer for ``n`` frames of each item, ``(batch, n, dim)``, and
    the mask of frames that have one."""
    dim = next(e.hidden.shape[1] for e in items if e.hidden is not None)
    target = torch.zeros(len(items), n, dim)
    mask = torch.zeros(len(items), n, dtype=torch.bool)
    for j, e in enumerate(items):
        if e.hidden is not None:
            m = min(n, len(e.hidden))
            target[j, :m] = torch.from_numpy(e.hidden[:m].astype(np.float32))
            mask[j, :m] = True
    return target, mask


def frame_weights(items: list[Example], n: int) -> torch.Tensor:
    """How much each of ``n`` label frames of each item counts in the loss, ``(batch, n)``."""
    out = torch.ones(len(items), n)
    for j, e in enumerate(items):
        if e.weight is not None:
            m = min(n, len(e.weight))
            out[j, :m] = torch.from_numpy(e.weight[:m])
    return out


def rival_batch(items: list[Example], n: int) -> torch.Tensor:
    """The prompt's phone under each of ``n`` label frames where a synthetic take said
    another, ``(batch, n)``, -1 elsewhere."""
    out = torch.full((len(items), n), -1, dtype=torch.long)
    for j, e in enumerate(items):
        if e.rival is not None:
            m = min(n, len(e.rival))
            out[j, :m] = torch.from_numpy(e.rival[:m])
    return out


def said_as_told(items: list[Example], n: int) -> torch.Tensor:
    """True under each of ``n`` label frames of a synthetic take that says the prompt's phone
    (its label known, no swap there), ``(batch, n)``; False on the corpus's recordings."""
    out = torch.zeros(len(items), n, dtype=torch.bool)
    for j, e in enumerate(items):
        if not e.utt_id:
            m = min(n, len(e.labels))
            told = torch.from_numpy(e.labels[:m] >= 0)
            if e.rival is not None:
                told &= torch.from_numpy(e.rival[:m] < 0)
            out[j, :m] = told
    return out


def untrusted_out(items: list[Example], hard: torch.Tensor) -> torch.Tensor:
    """``hard`` with the frames whose label is not trusted set to ignore (-100)."""
    out = hard.clone()
    for j, e in enumerate(items):
        if e.trusted is not None:
            n = len(e.trusted)
            out[j, :n][~torch.from_numpy(e.trusted)] = -100
    return out


def prefetched(make: Callable[[T], U], inputs: Sequence[T], ahead: int = 2) -> Iterator[U]:
    """``make(x)`` for each input, in order, computed up to ``ahead`` inputs early by one
    worker thread: the next batch's classroom copies and features (numpy) overlap this
    batch's optimiser step (torch), which leaves a core idle on small batches. One worker
    calls ``make`` in input order, so the random draws are those of a plain loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = deque(pool.submit(make, x) for x in inputs[:ahead])
        for x in inputs[ahead:]:
            done = pending.popleft().result()
            pending.append(pool.submit(make, x))
            yield done
        while pending:
            yield pending.popleft().result()
