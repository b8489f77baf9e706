"""Feature cache for training: speechocean762 (and synthetic speech) as log-mel frames.

Features come from :func:`tutor.scoring.features.frame_features`, the function the app runs, and
are stored once per speed-perturbation factor (Kaldi's 0.9/1.0/1.1 recipe) as one float16
array with an index, so epochs read memory, not FLAC.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from tqdm import tqdm

from tutor.atomic import write_bytes
from tutor.scoring.alignment import AlignedPhone, force_align
from tutor.scoring.audio import change_speed, load_audio
from tutor.scoring.features import FeatureConfig, frame_features
from tutor.scoring.speechocean import LabelledUtterance, load_split

SPLITS_DIR = Path(str(resources.files("tutor.train") / "splits"))  # package data
DEFAULT_FEATURES = FeatureConfig()
VALID_SPEAKERS_FILE = SPLITS_DIR / "speechocean762_valid_speakers.txt"


def rated_alignment(
    log_post: np.ndarray, utt: LabelledUtterance
) -> list[tuple[AlignedPhone, float]]:
    """The forced alignment of the utterance's canonical phones, each with the experts'
    mean score (0-2); ValueError if they do not fit."""
    scores = [s for w in utt.words for s in w.phone_scores]
    aligned = force_align(log_post, [[w.phones] for w in utt.words]).phones
    return list(zip(aligned, scores, strict=True))


def valid_speakers() -> frozenset[str]:
    lines = VALID_SPEAKERS_FILE.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def speaker_fold(speaker: str, folds: int) -> int:
    """The cross-fitting fold (0..folds-1) of a training speaker, fixed by the name."""
    return zlib.crc32(speaker.encode()) % folds


def parse_fold(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 0 <= K < N; ValueError otherwise."""
    k, _, n = text.partition("/")
    fold, folds = int(k), int(n)
    if not 0 <= fold < folds:
        raise ValueError(f"fold {text!r}: expected K/N with 0 <= K < N")
    return fold, folds


@dataclass
class CacheEntry:
    utt_id: str
    speaker: str
    part: str  # "train" | "valid" | "synth"
    speed: float
    offset: int
    n_frames: int
    words: list[list[str]]  # canonical phones per word (what the speaker was asked to say)


def _items(
    utts: Iterable[LabelledUtterance], valid: frozenset[str]
) -> Iterator[tuple[str, str, str, Path, list[list[str]]]]:
    for u in utts:
        part = "valid" if u.speaker in valid else "train"
        yield u.utt_id, u.speaker, part, u.audio, [list(w.phones) for w in u.words]


def build_cache(
    items: Iterable[tuple[str, str, str, Path, list[list[str]]]],
    out_dir: Path,
    speeds: tuple[float, ...] = (1.0,),
    config: FeatureConfig = DEFAULT_FEATURES,
    desc: str = "features",
) -> Path:
    """Compute features for ``(utt_id, speaker, part, audio_path, words)`` items.

    Speed-perturbed copies are made for the "train" part only. Resumable: an existing,
    complete cache is returned as is.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    index_path = out_dir / "index.json"
    if index_path.exists():
        return out_dir
    chunks: list[np.ndarray] = []
    entries: list[CacheEntry] = []
    offset = 0
    for utt_id, speaker, part, audio_path, words in tqdm(list(items), desc=desc, unit="utt"):
        audio = load_audio(audio_path)
        for speed in speeds if part == "train" else (1.0,):
            feats = frame_features(change_speed(audio.samples, audio.sample_rate, speed), config)
            chunks.append(feats.astype(np.float16))
            entries.append(CacheEntry(utt_id, speaker, part, speed, offset, len(feats), words))
            offset += len(feats)
    np.save(out_dir / "features.npy", np.concatenate(chunks))
    meta = {"features": config.to_dict(), "entries": [asdict(e) for e in entries]}
    # written last, atomically: its presence marks a complete cache
    write_bytes(index_path, json.dumps(meta).encode("utf-8"))
    return out_dir


def build_speechocean_cache(
    data_dir: Path,
    out_dir: Path,
    speeds: tuple[float, ...] = (0.9, 1.0, 1.1),
    limit: int | None = None,
) -> Path:
    utts = load_split(data_dir, "train")[:limit]
    return build_cache(_items(utts, valid_speakers()), out_dir, speeds, desc="speechocean762")


@dataclass
class FeatureCache:
    features: np.ndarray
    entries: list[CacheEntry]
    config: FeatureConfig

    @classmethod
    def load(cls, path: Path) -> FeatureCache:
        meta = json.loads((path / "index.json").read_text())
        feats = np.load(path / "features.npy", mmap_mode="r")
        entries = [CacheEntry(**e) for e in meta["entries"]]
        return cls(feats, entries, FeatureConfig.from_dict(meta["features"]))

    def get(self, i: int) -> np.ndarray:
        e = self.entries[i]
        return np.asarray(self.features[e.offset : e.offset + e.n_frames], dtype=np.float32)

    def select(self, part: str, speed: float | None = None) -> list[int]:
        return [
            i
            for i, e in enumerate(self.entries)
            if e.part == part and (speed is None or e.speed == speed)
        ]
