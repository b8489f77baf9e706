"""Training the acoustic models: flat start, Viterbi realignment, CE and distillation.

Frame labels come from our own forced aligner (:mod:`tutor.scoring.alignment`), the one the
app uses: a flat start (phones spread evenly over the voiced part) and a few rounds of
train -> realign, as in Kaldi's flat-start recipe. Distillation follows the usual recipe:
the student learns from the teacher's posteriors with a teacher weight that decays over
training, then from a frozen copy of itself (self-distillation).
"""

from __future__ import annotations

import copy
import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from tutor.atomic import write_with
from tutor.scoring.alignment import force_align
from tutor.scoring.phones import PHONE_INDEX, SILENCE, VOWELS, base_phone

from .dataset import FeatureCache
from .models import ConvPhoneNet, output_frames

if TYPE_CHECKING:
    from .synth_data import SyntheticMix

IGNORE = -100


def flat_start_labels(
    feats: np.ndarray, words: Sequence[Sequence[str]], subsampling: int = 2
) -> np.ndarray:
    """Spread the phones evenly (vowels twice as long) over the loud part of the utterance."""
    n_out = output_frames(len(feats), subsampling)
    energy = feats.mean(axis=1)[::subsampling][:n_out]
    thresh = np.percentile(energy, 20) + 0.3 * (energy.max() - np.percentile(energy, 20))
    voiced = np.flatnonzero(energy > thresh)
    labels = np.full(n_out, PHONE_INDEX[SILENCE], dtype=np.int64)
    phones = [base_phone(p) for w in words for p in w]
    if len(voiced) == 0 or not phones:
        return labels
    start, end = int(voiced[0]), int(voiced[-1]) + 1
    if end - start < len(phones):
        start, end = 0, n_out
    weights = np.array([2.0 if p in VOWELS else 1.0 for p in phones])
    edges = start + np.round(
        np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * (end - start)
    )
    for p, a, b in zip(phones, edges[:-1].astype(int), edges[1:].astype(int), strict=True):
        labels[a : max(b, a + 1)] = PHONE_INDEX[p]
    return labels


def alignment_labels(
    log_post: np.ndarray, words: Sequence[Sequence[str]], log_prior: np.ndarray | None = None
) -> np.ndarray:
    """Frame labels from a forced alignment of the canonical phones. With ``log_prior``
    the aligner uses scaled likelihoods (posterior / prior), as hybrid systems do, so
    frequent classes cannot swallow their neighbours."""
    labels = np.full(len(log_post), PHONE_INDEX[SILENCE], dtype=np.int64)
    scores = log_post if log_prior is None else log_post - log_prior
    try:
        ali = force_align(scores, [[tuple(w)] for w in words])
    except ValueError:
        return labels
    for p in ali.phones:
        labels[p.start : p.end] = PHONE_INDEX[p.phone]
    return labels


@torch.no_grad()
def log_posteriors(model: torch.nn.Module, feats: np.ndarray) -> np.ndarray:
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32))[None]
    return torch.log_softmax(model(x), dim=-1)[0].numpy()


def label_log_prior(labels: dict[int, np.ndarray], n_classes: int) -> np.ndarray:
    counts = np.bincount(np.concatenate(list(labels.values())), minlength=n_classes) + 1.0
    return np.log(counts / counts.sum()).astype(np.float32)


def realign(
    model: torch.nn.Module,
    cache: FeatureCache,
    indices: Sequence[int],
    log_prior: np.ndarray | None = None,
) -> dict[int, np.ndarray]:
    return {
        i: alignment_labels(log_posteriors(model, cache.get(i)), cache.entries[i].words, log_prior)
        for i in tqdm(indices, desc="realign", unit="utt", leave=False)
    }


def alignment_stats(labels: dict[int, np.ndarray]) -> str:
    """Mean phone length and share of one-frame phones: a collapsing EM shows here first."""
    lengths = []
    for lab in labels.values():
        change = np.flatnonzero(np.diff(lab)) + 1
        bounds = np.concatenate([[0], change, [len(lab)]])
        lengths += [
            e - s
            for s, e in zip(bounds[:-1], bounds[1:], strict=True)
            if lab[s] != PHONE_INDEX[SILENCE]
        ]
    arr = np.asarray(lengths)
    return f"mean phone {arr.mean():.2f} frames, one-frame phones {np.mean(arr == 1):.1%}"


def make_batches(lengths: dict[int, int], max_frames: int, rng: random.Random) -> list[list[int]]:
    """Length-bucketed batches of at most ``max_frames`` padded frames, shuffled."""
    order = sorted(lengths, key=lambda i: lengths[i] + rng.random())
    batches: list[list[int]] = []
    batch: list[int] = []
    longest = 0
    for i in order:
        longest_new = max(longest, lengths[i])
        if batch and longest_new * (len(batch) + 1) > max_frames:
            batches.append(batch)
            batch, longest_new = [], lengths[i]
        batch.append(i)
        longest = longest_new
    if batch:
        batches.append(batch)
    rng.shuffle(batches)
    return batches


class MixedCache:
    """A read-only view: the labelled cache's entries, then the synthetic cache's."""

    def __init__(self, main: FeatureCache, extra: FeatureCache) -> None:
        if main.config != extra.config:
            raise ValueError("the synthetic features were computed with other settings")
        self.main, self.extra = main, extra
        self.offset = len(main.entries)
        self.entries = [*main.entries, *extra.entries]
        self.config = main.config

    def get(self, i: int) -> np.ndarray:
        return self.main.get(i) if i < self.offset else self.extra.get(i - self.offset)


def synthetic_draws(
    lengths: dict[int, int], budget: float, epochs: int, rng: random.Random
) -> list[list[int]]:
    """Which synthetic entries each epoch uses: all of them if they fit in ``budget``
    frames, else consecutive windows of one shuffled order, so every entry gets its turn."""
    order = list(lengths)
    rng.shuffle(order)
    if sum(lengths.values()) <= budget:
        return [order] * epochs
    draws, pos = [], 0
    for _ in range(epochs):
        drawn, frames = [], 0
        while frames + lengths[nxt := order[pos % len(order)]] <= budget:
            drawn.append(nxt)
            frames += lengths[nxt]
            pos += 1
        draws.append(drawn)
    return draws


class BatchPlan:
    """The batches of every epoch. Synthetic entries (if any) join the labelled ones up to
    ``synth.share`` of each epoch's frames and are bucketed into the same batches, so batch
    norm sees both. Without synthetic data this is ``make_batches`` as it always was."""

    def __init__(
        self,
        cache: FeatureCache,
        labels: dict[int, np.ndarray],
        settings: TrainSettings,
        synth: SyntheticMix | None = None,
    ) -> None:
        self.settings = settings
        self.lengths = {i: cache.entries[i].n_frames for i in labels}
        self.data: FeatureCache | MixedCache = cache
        self.labels = labels
        self.draws: list[list[int]] | None = None
        if synth is None or synth.share == 0 or not synth.labels:
            return
        mixed = MixedCache(cache, synth.cache)
        self.data = mixed
        self.labels = {**labels, **{mixed.offset + k: v for k, v in synth.labels.items()}}
        synth_lengths = {mixed.offset + k: synth.cache.entries[k].n_frames for k in synth.labels}
        budget = synth.share / (1 - synth.share) * sum(self.lengths.values())
        self.draws = synthetic_draws(
            synth_lengths, budget, settings.epochs, random.Random(settings.seed)
        )

    def epoch_lengths(self, epoch: int) -> dict[int, int]:
        if self.draws is None or not self.draws:
            return self.lengths
        drawn = self.draws[min(epoch, len(self.draws) - 1)]
        return {**self.lengths, **{i: self.data.entries[i].n_frames for i in drawn}}

    def batches(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.settings.seed * 1000 + epoch)
        return make_batches(self.epoch_lengths(epoch), self.settings.max_frames, rng)

    @property
    def steps_per_epoch(self) -> int:
        return len(make_batches(self.epoch_lengths(0), self.settings.max_frames, random.Random(0)))

    def total_steps(self) -> int:
        if self.draws is None:
            return self.settings.epochs * self.steps_per_epoch
        return sum(len(self.batches(e)) for e in range(self.settings.epochs))

    def usage(self) -> dict | None:
        """How much synthetic speech training sees (``None`` without any)."""
        if self.draws is None:
            return None
        hours = self.data.config.frame_shift_ms / 1000 / 3600  # per frame
        entries = self.data.entries
        per_epoch = float(np.mean([sum(entries[i].n_frames for i in d) for d in self.draws] or 0))
        used = {i for d in self.draws for i in d}
        real = sum(self.lengths.values())
        return {
            "synthetic_entries_available": len(self.labels) - len(self.lengths),
            "synthetic_entries_used": len(used),
            "synthetic_utterances_used": len({entries[i].utt_id for i in used}),
            "synthetic_hours_used": round(sum(entries[i].n_frames for i in used) * hours, 4),
            "synthetic_hours_per_epoch": round(per_epoch * hours, 4),
            "synthetic_frame_share": round(per_epoch / max(real + per_epoch, 1.0), 4),
        }


def collate(
    cache: FeatureCache | MixedCache, labels: dict[int, np.ndarray], batch: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    feats = [cache.get(i) for i in batch]
    t_in = max(len(f) for f in feats)
    t_out = output_frames(t_in)
    x = np.zeros((len(batch), t_in, feats[0].shape[1]), dtype=np.float32)
    y = np.full((len(batch), t_out), IGNORE, dtype=np.int64)
    for k, (i, f) in enumerate(zip(batch, feats, strict=True)):
        x[k, : len(f)] = f
        lab = labels[i][:t_out]
        y[k, : len(lab)] = lab
    return torch.from_numpy(x), torch.from_numpy(y)


def spec_augment(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Two frequency masks (up to 6 bins) and two time masks (up to 10 frames) per item."""
    x = x.clone()
    b, t, f = x.shape
    for k in range(b):
        for _ in range(2):
            w = int(torch.randint(0, 7, (1,), generator=rng))
            s = int(torch.randint(0, max(1, f - w), (1,), generator=rng))
            x[k, :, s : s + w] = 0
            w = int(torch.randint(0, 11, (1,), generator=rng))
            s = int(torch.randint(0, max(1, t - w), (1,), generator=rng))
            x[k, s : s + w, :] = 0
    return x


@dataclass
class TrainSettings:
    epochs: int = 6
    lr: float = 2e-3
    max_frames: int = 16000  # padded input frames per batch
    label_smoothing: float = 0.05
    seed: int = 0
    kd_temperature: float = 2.0
    kd_weight_start: float = 0.0  # teacher weight at epoch 0 (0 = no distillation)
    kd_weight_end: float = 0.0  # teacher weight at the last epoch (linear decay)
    augment: bool = True


def kd_weight(settings: TrainSettings, progress: float) -> float:
    return settings.kd_weight_start + (settings.kd_weight_end - settings.kd_weight_start) * progress


def train(
    model: ConvPhoneNet,
    cache: FeatureCache,
    labels: dict[int, np.ndarray],
    settings: TrainSettings,
    checkpoint: Path,
    *,
    teacher: torch.nn.Module | None = None,
    valid_labels: dict[int, np.ndarray] | None = None,
    after_step: Callable[[torch.nn.Module], object] | None = None,
    synth: SyntheticMix | None = None,
    log: Callable[[str], None] = print,
) -> ConvPhoneNet:
    """Train (or resume) for ``settings.epochs``; checkpoints after every epoch.

    ``synth`` adds synthetic entries with their exact labels to the training batches;
    validation (``valid_labels``, indices into ``cache``) stays on real speech.
    """
    torch.manual_seed(settings.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=1e-2)
    plan = BatchPlan(cache, labels, settings, synth)
    total = plan.total_steps()
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, settings.lr, total_steps=max(total, 1), pct_start=0.15
    )
    start_epoch = 0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start_epoch = state["epoch"]
        log(f"resumed {checkpoint.name} at epoch {start_epoch}")
    gen = torch.Generator().manual_seed(settings.seed)
    if teacher is not None:
        teacher.eval()
    for epoch in range(start_epoch, settings.epochs):
        model.train()
        batches = plan.batches(epoch)
        alpha = kd_weight(settings, epoch / max(1, settings.epochs - 1)) if teacher else 0.0
        running, n = 0.0, 0
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{settings.epochs}", unit="batch", leave=False)
        for batch in bar:
            x, y = collate(plan.data, plan.labels, batch)
            x_in = spec_augment(x, gen) if settings.augment else x
            logits = model(x_in)
            mask = y != IGNORE
            loss = F.cross_entropy(logits[mask], y[mask], label_smoothing=settings.label_smoothing)
            if teacher is not None and alpha > 0:
                with torch.no_grad():
                    t_logits = teacher(x)[mask] / settings.kd_temperature
                s_logp = F.log_softmax(logits[mask] / settings.kd_temperature, dim=-1)
                kd = (
                    F.kl_div(
                        s_logp,
                        F.log_softmax(t_logits, dim=-1),
                        log_target=True,
                        reduction="batchmean",
                    )
                    * settings.kd_temperature**2
                )
                loss = alpha * kd + (1 - alpha) * loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            if after_step is not None:
                after_step(model)
            running += float(loss.detach())
            n += 1
            bar.set_postfix(loss=f"{running / n:.3f}")
        msg = f"epoch {epoch + 1}: loss {running / max(n, 1):.3f} kd_weight {alpha:.2f}"
        if plan.draws:
            msg += f" (+{len(plan.draws[epoch])} synthetic utterances)"
        if valid_labels:
            acc, ce = frame_accuracy(model, cache, valid_labels)
            msg += f" valid frame acc {acc:.3f} ce {ce:.3f}"
        log(msg)
        state = {
            "model": model.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "epoch": epoch + 1,
        }
        write_with(checkpoint, functools.partial(torch.save, state))
    return model


@torch.no_grad()
def frame_accuracy(
    model: torch.nn.Module, cache: FeatureCache, labels: dict[int, np.ndarray], limit: int = 300
) -> tuple[float, float]:
    model.eval()
    correct = total = 0
    ce = 0.0
    for i in list(labels)[:limit]:
        lp = log_posteriors(model, cache.get(i))
        y = labels[i][: len(lp)]
        correct += int((lp.argmax(1) == y).sum())
        ce -= float(lp[np.arange(len(y)), y].sum())
        total += len(y)
    return correct / max(total, 1), ce / max(total, 1)


def frozen_copy(model: torch.nn.Module) -> torch.nn.Module:
    teacher = copy.deepcopy(model).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def phone_positions(labels: np.ndarray, phones: Sequence[str]) -> np.ndarray | None:
    """Which canonical phone (index into ``phones``) each frame of a forced-alignment label
    sequence belongs to, -1 for silence; ``None`` if the labels do not follow ``phones``."""
    ids = [PHONE_INDEX[base_phone(p)] for p in phones]
    pos = np.full(len(labels), -1, dtype=np.int64)
    sil = PHONE_INDEX[SILENCE]
    change = np.flatnonzero(np.diff(labels)) + 1
    bounds = np.concatenate([[0], change, [len(labels)]])
    k = 0
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        label = labels[start]
        if label == sil:
            continue
        if k >= len(ids) or ids[k] != label:
            return None
        m = 1  # neighbouring canonical phones with the same label share one run
        while k + m < len(ids) and ids[k + m] == label:
            m += 1
        edges = np.linspace(start, end, m + 1).round().astype(int)
        for j in range(m):
            pos[edges[j] : edges[j + 1]] = k + j
        k += m
    return pos if k == len(ids) else None


def mask_mispronounced(
    labels: np.ndarray, phones: Sequence[str], scores: Sequence[float], below: float
) -> np.ndarray:
    """Ignore the frames of phones the experts scored under ``below``: the model should
    learn what the phone sounds like when said correctly, not the learners' errors."""
    pos = phone_positions(labels, phones)
    if pos is None:
        return labels
    bad = np.flatnonzero(np.asarray(scores) < below)
    out = labels.copy()
    out[np.isin(pos, bad)] = IGNORE
    return out
