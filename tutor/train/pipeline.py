"""The stages of the model pipeline, each resumable and runnable alone.

Everything a stage makes goes under ``OUT/<stage>/``; a finished step (see
:mod:`.stages`: its marker file exists) is skipped, so ``tutor-train all`` after an
interruption picks up where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm import tqdm

from .acoustic import (
    BatchPlan,
    TrainSettings,
    alignment_stats,
    flat_start_labels,
    label_log_prior,
    log_posteriors,
    mask_mispronounced,
    realign,
    train,
)
from .dataset import FeatureCache, build_speechocean_cache
from .models import STUDENT, ConvNetConfig, ConvPhoneNet, output_frames
from .stages import MODEL, is_done, mark_done, save_marker
from .synth_data import SyntheticMix, SynthSettings, build_synth_cache

if TYPE_CHECKING:
    from .head import HeadSample


@dataclass
class PipelineConfig:
    data: Path
    out: Path
    align_rounds: int = 3
    align_epochs: int = 4
    speeds: tuple[float, ...] = (0.9, 1.0, 1.1)
    limit: int | None = None  # use only the first N utterances (tests)
    threads: int = 2
    student: ConvNetConfig = STUDENT
    mask_below: float = 1.0  # ignore frames of phones the experts scored under this
    synth: Path | None = None  # a tutor.train.synth manifest: TTS speech with exact labels
    synth_share: float = 0.3  # synthetic frames: at most this share of each training epoch
    synth_copies: int = 1  # mildly augmented copies per synthetic utterance (plus the clean)
    compress_from: str = "distil"  # the model pruning starts from: "distil" or "student"
    extra: dict = field(default_factory=dict)


def stage_dir(cfg: PipelineConfig, name: str) -> Path:
    path = cfg.out / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_labels(path: Path, labels: dict[int, np.ndarray]) -> None:
    # typed Any: numpy's stub would match a key "allow_pickle" against its bool parameter
    arrays: dict[str, Any] = {str(k): v for k, v in labels.items()}
    np.savez_compressed(path, **arrays)


def load_labels(path: Path) -> dict[int, np.ndarray]:
    with np.load(path) as data:
        return {int(k): data[k] for k in data.files}


def prepare(cfg: PipelineConfig, log: Callable[[str], None] = print) -> FeatureCache:
    out = stage_dir(cfg, "prepare")
    build_speechocean_cache(cfg.data, out, cfg.speeds, limit=cfg.limit)
    cache = FeatureCache.load(out)
    if not is_done(out):
        mark_done(out, {"entries": len(cache.entries), "frames": int(cache.features.shape[0])})
    return cache


def prepare_synth(cfg: PipelineConfig, log: Callable[[str], None] = print) -> SyntheticMix | None:
    """The synthetic-speech cache in ``OUT/synth`` (built once), or ``None`` without --synth."""
    if cfg.synth is None:
        return None
    out = stage_dir(cfg, "synth")
    settings = SynthSettings(copies=cfg.synth_copies, subsampling=cfg.student.subsampling)
    build_synth_cache(cfg.synth, out, settings, log)
    return SyntheticMix.load(out, cfg.synth_share)


def first_labels(
    cfg: PipelineConfig, cache: FeatureCache, indices: list[int], log: Callable[[str], None]
) -> dict[int, np.ndarray]:
    """pocketsphinx word spans with phones spread inside words; flat start as fallback."""
    from tutor.scoring.audio import load_audio
    from tutor.scoring.speechocean import load_split

    from .first_alignment import WordSegmenter, labels_from_word_spans

    audio = {u.utt_id: u.audio for u in load_split(cfg.data, "train")}
    segmenter = WordSegmenter()
    labels, fallback = {}, 0
    for i in tqdm(indices, desc="word spans (pocketsphinx)", unit="utt"):
        e = cache.entries[i]
        n_out = output_frames(e.n_frames, cfg.student.subsampling)
        spans = segmenter.segment(load_audio(audio[e.utt_id]).samples, e.words)
        if spans is None:
            fallback += 1
            labels[i] = flat_start_labels(cache.get(i), e.words)
        else:
            labels[i] = labels_from_word_spans(spans, e.words, n_out, cfg.student.subsampling)
    log(
        f"first alignment: {len(indices) - fallback} from pocketsphinx word spans, "
        f"{fallback} flat starts"
    )
    return labels


def align(
    cfg: PipelineConfig, cache: FeatureCache, log: Callable[[str], None] = print
) -> dict[int, np.ndarray]:
    """First alignment, then rounds of train -> realign; returns labels for every entry."""
    out = stage_dir(cfg, "align")
    final = out / "labels.npz"
    if is_done(out):
        return load_labels(final)
    base = [i for i, e in enumerate(cache.entries) if e.speed == 1.0]
    train_idx = [i for i in base if cache.entries[i].part == "train"]
    labels_path = out / "labels_round0.npz"
    if labels_path.exists():
        labels = load_labels(labels_path)
    else:
        labels = first_labels(cfg, cache, base, log)
        save_labels(labels_path, labels)
    log(f"align round 0: {alignment_stats(labels)}")
    model = ConvPhoneNet(cfg.student)
    for r in range(1, cfg.align_rounds + 1):
        round_path = out / f"labels_round{r}.npz"
        if round_path.exists():
            labels = load_labels(round_path)
            continue
        model = ConvPhoneNet(cfg.student)
        settings = TrainSettings(epochs=cfg.align_epochs, seed=r)
        t0 = time.time()
        previous = labels
        train(
            model, cache, {i: labels[i] for i in train_idx}, settings, out / f"round{r}.pt", log=log
        )
        prior = label_log_prior(labels, cfg.student.n_classes)
        labels = realign(model, cache, base, prior)
        changed = np.mean([np.mean(labels[i] != previous[i]) for i in base])
        log(
            f"align round {r}: {time.time() - t0:.0f} s, frames relabelled {changed:.1%}, "
            f"{alignment_stats(labels)}"
        )
        save_labels(round_path, labels)
    # speed-perturbed copies get their own alignment from the last round's model
    if cfg.align_rounds:
        model.load_state_dict(
            torch.load(out / f"round{cfg.align_rounds}.pt", weights_only=False)["model"]
        )
    prior = label_log_prior(labels, cfg.student.n_classes)
    rest = [i for i in range(len(cache.entries)) if i not in labels]
    full = {**labels, **realign(model, cache, rest, prior)}
    save_labels(final, full)
    mark_done(out, {"rounds": cfg.align_rounds, "entries": len(full)})
    return full


# --- acoustic model variants ------------------------------------------------------------


def training_labels(
    cfg: PipelineConfig, cache: FeatureCache, labels: dict[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """Labels of the training part, with mispronounced phones masked out."""
    from tutor.scoring.speechocean import load_split

    scores = {
        u.utt_id: [s for w in u.words for s in w.phone_scores]
        for u in load_split(cfg.data, "train")
    }
    out = {}
    for i, e in enumerate(cache.entries):
        if e.part != "train" or i not in labels:
            continue
        lab = labels[i]
        if cfg.mask_below and e.utt_id in scores:
            flat = [p for w in e.words for p in w]
            lab = mask_mispronounced(lab, flat, scores[e.utt_id], cfg.mask_below)
        out[i] = lab
    return out


def valid_indices(cache: FeatureCache, labels: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    return {i: labels[i] for i, e in enumerate(cache.entries) if e.part == "valid"}


def load_net(path: Path, config: ConvNetConfig) -> ConvPhoneNet:
    net = ConvPhoneNet(config)
    state = torch.load(path, weights_only=False)
    net.load_state_dict(state["model"] if "model" in state else state)
    return net.eval()


def train_variant(
    cfg: PipelineConfig,
    name: str,
    config: ConvNetConfig,
    cache: FeatureCache,
    labels: dict[int, np.ndarray],
    valid_labels: dict[int, np.ndarray],
    settings: TrainSettings,
    *,
    teacher: torch.nn.Module | None = None,
    init: Path | None = None,
    synth: SyntheticMix | None = None,
    log: Callable[[str], None] = print,
) -> tuple[ConvPhoneNet, dict]:
    """Train one acoustic model variant into ``OUT/<name>/model.pt`` (resumable); returns
    the model and what synthetic speech it learnt from (empty without ``synth``).

    With ``synth``, synthetic speech joins the training batches; what it contributed is
    saved with the model (``"synthetic"``), so a finished stage reports it too."""
    out = stage_dir(cfg, name)
    final = out / MODEL
    net = ConvPhoneNet(config)
    if is_done(out, MODEL):
        saved = torch.load(final, weights_only=False)
        net.load_state_dict(saved["model"])
        return net.eval(), saved.get("synthetic", {})
    if init is not None and not (out / "ckpt.pt").exists():
        net.load_state_dict(torch.load(init, weights_only=False)["model"])
    t0 = time.time()
    train(
        net,
        cache,
        labels,
        settings,
        out / "ckpt.pt",
        teacher=teacher,
        valid_labels=valid_labels,
        synth=synth,
        log=lambda m: log(f"[{name}] {m}"),
    )
    state = {
        "model": net.state_dict(),
        "config": config.to_dict(),
        "settings": settings.__dict__,
        "seconds": time.time() - t0,
    }
    usage = BatchPlan(cache, labels, settings, synth).usage() or {}
    if usage:
        state["synthetic"] = usage
    save_marker(out, lambda path: torch.save(state, path), MODEL)
    return net.eval(), usage


# --- scoring head --------------------------------------------------------------------------


def posteriors_fn(
    model: torch.nn.Module | Path, cache: FeatureCache
) -> Callable[[int], np.ndarray]:
    """cache entry -> log posteriors, from a torch model or an ONNX file (as the app runs it)."""
    if isinstance(model, Path):
        from tutor.scoring.model import AcousticModel

        onnx_model = AcousticModel.load(model, threads=cfg_threads())
        return lambda i: onnx_model.log_posteriors(cache.get(i))
    return lambda i: log_posteriors(model, cache.get(i))


def cfg_threads() -> int:
    return max(1, torch.get_num_threads())


def head_samples(
    cfg: PipelineConfig, name: str, cache: FeatureCache, posteriors: Callable[[int], np.ndarray]
) -> tuple[list[HeadSample], list[HeadSample]]:
    """GOP samples for the head: training speakers at every speed (the experts' labels hold
    for the sped-up copies too, and the head is short of data), validation at speed 1 only."""
    from tutor.scoring.speechocean import load_split

    from .head import make_sample

    utts = {u.utt_id: u for u in load_split(cfg.data, "train")}
    frame_shift = cache.config.frame_shift_ms / 1000 * cfg.student.subsampling
    chosen = [
        (i, e)
        for i, e in enumerate(cache.entries)
        if e.utt_id in utts and (e.part == "train" or (e.part == "valid" and e.speed == 1.0))
    ]
    train_s: list[HeadSample] = []
    valid_s: list[HeadSample] = []
    for i, e in tqdm(chosen, desc=f"GOP {name}", unit="utt"):
        sample = make_sample(utts[e.utt_id], posteriors(i), frame_shift)
        (train_s if e.part == "train" else valid_s).append(sample)
    return train_s, valid_s
