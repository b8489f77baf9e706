"""Synthetic TTS speech (a :mod:`tutor.train.synth` manifest) as acoustic-model training data.

Each usable utterance becomes a clean copy plus ``copies`` mildly augmented ones. Features
are :func:`tutor.scoring.features.frame_features` of :func:`tutor.scoring.audio.load_audio`, exactly
as in the speechocean cache and the app; frame labels come straight from the engine's phone
timings (``segments``) at the acoustic model's output rate, so they need no alignment.

The cache is the :class:`~tutor.train.dataset.FeatureCache` format (entries of part
``"synth"``) plus ``labels.npz`` (entry index -> labels) and ``done.json`` (what was used,
what was skipped and why). It is built once; a folder built from another manifest or with
other settings is refused rather than silently mixed.

    python -m tutor.train.synth_data MANIFEST OUT_DIR [--copies N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from tutor.atomic import write_bytes
from tutor.scoring.audio import load_audio
from tutor.scoring.errors import AudioError
from tutor.scoring.features import FeatureConfig, frame_features
from tutor.scoring.phones import PHONE_INDEX, SILENCE, split_stress

from . import augment
from .dataset import DEFAULT_FEATURES, CacheEntry, FeatureCache
from .models import output_frames

PART = "synth"
#: timings may overrun the audio by this much (engines round their end times)
END_TOLERANCE_S = 0.05

Segment = tuple[int, float, float]  # PHONE_SET index, start s, end s


class SynthDataError(ValueError):
    """The manifest or the cache folder cannot be used (a readable message)."""


@dataclass(frozen=True)
class SynthSettings:
    copies: int = 1  # augmented copies per utterance, besides the clean one
    seed: int = 0
    subsampling: int = 2  # input frames per label frame (the acoustic model's stride)
    features: FeatureConfig = DEFAULT_FEATURES

    def __post_init__(self) -> None:
        if self.copies < 0:
            raise SynthDataError(f"copies must be 0 or more, got {self.copies}")

    def to_dict(self) -> dict:
        return {**asdict(self), "features": self.features.to_dict()}

    @property
    def label_shift(self) -> float:
        """Seconds per label frame."""
        return self.features.frame_shift_ms / 1000 * self.subsampling


# -- labels --------------------------------------------------------------------------------


def parse_segments(raw: object, spoken: Sequence[str], duration: float) -> list[Segment] | str:
    """Checked ``[[phone, start, end], ...]`` as PHONE_SET indices, or why they are unusable.

    The phones must follow ``spoken`` (base phones, silences aside), times must increase
    and lie within the audio.
    """
    if not isinstance(raw, list) or not raw:
        return "no segments"
    out: list[Segment] = []
    previous_end = 0.0
    try:
        for phone, start, end in raw:
            base = split_stress(str(phone))[0]
            start, end = float(start), float(end)
            if base not in PHONE_INDEX:
                return f"unknown phone {phone!r}"
            if not (np.isfinite(start) and np.isfinite(end)) or end <= start:
                return "bad timings"
            if start < previous_end - 1e-3:
                return "overlapping segments"
            out.append((PHONE_INDEX[base], start, end))
            previous_end = end
    except (TypeError, ValueError):
        return "malformed segments"
    if previous_end > duration + END_TOLERANCE_S:
        return "segments run past the end of the audio"
    said = [p for p, _, _ in out if p != PHONE_INDEX[SILENCE]]
    if not said:
        return "no phones in segments"
    if said != [PHONE_INDEX.get(split_stress(p)[0], -1) for p in spoken]:
        return "segments disagree with the spoken phones"
    return out


def frame_labels(
    segments: Sequence[Segment], n_out: int, frame_shift: float, time_scale: float = 1.0
) -> np.ndarray:
    """Label frame ``k`` (covering ``[k, k + 1) * frame_shift`` seconds, the runtime's
    convention) with the segment holding its centre; silence outside every segment.
    ``time_scale`` stretches the timings (``1 / factor`` after a speed change)."""
    labels = np.full(n_out, PHONE_INDEX[SILENCE], dtype=np.int64)
    if not segments or n_out == 0:
        return labels
    ids = np.array([p for p, _, _ in segments], dtype=np.int64)
    starts = np.array([s for _, s, _ in segments]) * time_scale
    ends = np.array([e for _, _, e in segments]) * time_scale
    centres = (np.arange(n_out) + 0.5) * frame_shift
    k = np.searchsorted(ends, centres, side="right")  # first segment ending after the centre
    inside = k < len(ids)
    inside[inside] &= starts[k[inside]] <= centres[inside]
    labels[inside] = ids[k[inside]]
    return labels


# -- augmentation --------------------------------------------------------------------------

MILD_AUGMENTATIONS = ("speed", "pitch", "noise", "reverb")


def mild_augment(
    samples: np.ndarray, rate: int, rng: np.random.Generator
) -> tuple[np.ndarray, str, float, float]:
    """One random, mild transform from :mod:`tutor.train.augment`.

    Returns ``(samples, name, parameter, time_scale)``; ``time_scale`` is what the
    segment timings must be multiplied by. (Gain is left out: log-mel with mean
    normalisation removes it.)
    """
    name = str(rng.choice(MILD_AUGMENTATIONS))
    if name == "speed":
        factor = float(rng.choice((0.9, 1.1)))
        return augment.speed_perturb(samples, rate, rng, factor), name, factor, 1.0 / factor
    if name == "pitch":
        factor = float(rng.uniform(0.92, 1.08))
        return augment.pitch_shift(samples, rate, rng, factor), name, factor, 1.0
    if name == "noise":
        snr = float(rng.uniform(15.0, 30.0))
        kind = str(rng.choice(("white", "pink")))
        return augment.add_noise(samples, rate, rng, snr, kind), name, snr, 1.0
    rt60 = float(rng.uniform(0.1, 0.35))
    return augment.reverberate(samples, rate, rng, rt60), name, rt60, 1.0


def copy_seed(utt_id: str, copy: int, seed: int) -> int:
    """A per-(utterance, copy) seed, independent of manifest order."""
    return zlib.crc32(f"{seed}:{utt_id}:{copy}".encode())


# -- the cache -----------------------------------------------------------------------------


@dataclass
class BuildStats:
    manifest: str
    utterances: int = 0  # manifest records turned into training data
    entries: int = 0  # with the augmented copies
    frames: int = 0  # input (10 ms) frames over all entries
    hours: float = 0.0  # over all entries
    clean_hours: float = 0.0  # the clean copies only
    skipped: dict[str, int] = field(default_factory=dict)
    augmentations: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def manifest_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(path: Path, skipped: Counter) -> list[dict]:
    """The manifest's records; lines that are not JSON objects are counted in ``skipped``."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped["unreadable manifest line"] += 1
            continue
        if not isinstance(record, dict):
            skipped["unreadable manifest line"] += 1
            continue
        records.append(record)
    return records


def _spoken_and_words(record: dict) -> tuple[list[str], list[list[str]]]:
    """Spoken phones (flat) and canonical phones per word; raises KeyError/TypeError."""
    words = record["words"]
    spoken = [p for w in words for p in w["spoken"]]
    canonical = [list(w["canonical"]) for w in words]
    return spoken, canonical


def build_synth_cache(
    manifest: Path,
    out_dir: Path,
    settings: SynthSettings = SynthSettings(),
    log: Callable[[str], None] = print,
) -> BuildStats:
    """Build (or reuse) the synthetic-speech cache in ``out_dir``; returns what it holds."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise SynthDataError(f"synthetic speech manifest not found: {manifest}")
    digest = manifest_hash(manifest)
    done = out_dir / "done.json"
    if done.exists():
        info = json.loads(done.read_text())
        if info.get("manifest_sha256") != digest or info.get("settings") != settings.to_dict():
            raise SynthDataError(
                f"{out_dir} holds synthetic data built from another manifest or with other "
                "settings; delete that folder (or use another --out) to rebuild it"
            )
        return BuildStats(**info["stats"])

    t0 = time.time()
    skipped: Counter = Counter()
    records = read_manifest(manifest, skipped)
    root = manifest.parent
    shift = settings.label_shift
    hop_s = settings.features.frame_shift_ms / 1000
    chunks: list[np.ndarray] = []
    entries: list[CacheEntry] = []
    labels: dict[int, np.ndarray] = {}
    applied: list[dict] = []
    augmentations: Counter = Counter()
    stats = BuildStats(manifest=str(manifest))
    offset = 0
    for record in tqdm(records, desc="synthetic speech", unit="utt"):
        try:
            utt_id = str(record["id"])
            spoken, words = _spoken_and_words(record)
            audio = load_audio(root / str(record["audio"]), min_seconds=0.05)
        except (KeyError, TypeError):
            skipped["malformed record"] += 1
            continue
        except AudioError:
            skipped["unusable audio"] += 1
            continue
        segments = parse_segments(record.get("segments"), spoken, audio.duration)
        if isinstance(segments, str):
            skipped[segments] += 1
            continue
        speaker = f"{record.get('engine', 'tts')}/{record.get('voice', '')}"
        for copy in range(settings.copies + 1):
            samples, scale, step = audio.samples, 1.0, {"name": "clean", "value": 0.0}
            if copy:
                rng = np.random.default_rng(copy_seed(utt_id, copy, settings.seed))
                samples, name, value, scale = mild_augment(samples, audio.sample_rate, rng)
                step = {"name": name, "value": round(value, 4)}
            augmentations[step["name"]] += 1
            feats = frame_features(samples, settings.features)
            n_out = output_frames(len(feats), settings.subsampling)
            labels[len(entries)] = frame_labels(segments, n_out, shift, scale)
            entries.append(
                CacheEntry(utt_id, speaker, PART, 1.0 / scale, offset, len(feats), words)
            )
            applied.append(step)
            chunks.append(feats.astype(np.float16))
            offset += len(feats)
            stats.hours += len(feats) * hop_s / 3600
            if not copy:
                stats.clean_hours += len(feats) * hop_s / 3600
        stats.utterances += 1

    stats.entries, stats.frames = len(entries), offset
    stats.skipped, stats.augmentations = dict(skipped), dict(augmentations)
    if skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in skipped.most_common())
        log(f"warning: skipped {sum(skipped.values())} synthetic utterances ({reasons})")
    if not entries:
        raise SynthDataError(f"no usable synthetic utterances in {manifest}")

    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "features.npy", np.concatenate(chunks))
    # typed Any: numpy's stub would match a key "allow_pickle" against its bool parameter
    arrays: dict[str, Any] = {str(k): v for k, v in labels.items()}
    np.savez_compressed(out_dir / "labels.npz", **arrays)
    index = {
        "features": settings.features.to_dict(),
        "entries": [asdict(e) for e in entries],
        "augmentation": applied,
        "subsampling": settings.subsampling,
    }
    (out_dir / "index.json").write_text(json.dumps(index))
    stats.seconds = round(time.time() - t0, 1)
    stats.hours, stats.clean_hours = round(stats.hours, 4), round(stats.clean_hours, 4)
    info = {"manifest_sha256": digest, "settings": settings.to_dict(), "stats": asdict(stats)}
    write_bytes(done, json.dumps(info, indent=2).encode())  # last: marks a complete cache
    log(
        f"synthetic speech: {stats.utterances} utterances, {stats.entries} entries "
        f"({stats.hours:.2f} h) in {stats.seconds:.0f} s"
    )
    return stats


@dataclass
class SyntheticMix:
    """Synthetic entries with exact labels, and how much of each epoch they may take."""

    cache: FeatureCache
    labels: dict[int, np.ndarray]
    share: float = 0.3  # at most this share of each epoch's training frames

    def __post_init__(self) -> None:
        if not 0.0 <= self.share < 1.0:
            raise SynthDataError(f"the synthetic share must be in [0, 1), got {self.share}")

    @classmethod
    def load(cls, out_dir: Path, share: float = 0.3) -> SyntheticMix:
        with np.load(out_dir / "labels.npz") as data:
            labels = {int(k): data[k] for k in data.files}
        return cls(FeatureCache.load(out_dir), labels, share)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the synthetic-speech training cache.")
    p.add_argument("manifest", type=Path, help="manifest.jsonl from tutor.train.synth")
    p.add_argument("out", type=Path, help="cache folder")
    p.add_argument("--copies", type=int, default=1, help="augmented copies per utterance")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        stats = build_synth_cache(args.manifest, args.out, SynthSettings(args.copies, args.seed))
    except SynthDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(asdict(stats), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
