"""Measure an acoustic model's prompt-check thresholds on the validation slice and write
them into its metadata (``prompt_check``), where the runtime reads them.

On the validation readings it measures what :mod:`tutor.scoring.prompt_check` looks at
and sets each line so that real readings pass; ``tutor bench --garbage`` then measures how
much noise, other text and half readings they catch. Rules (stated so a rerun gives the
same numbers):

- ``min_prompt_match``: the first percentile of real readings, rounded down to 0.1, less
  0.1 (so about 1 % of real readings or fewer are refused as "not the prompt");
- ``stop_penalty``: the smallest of 6 / 8 / 10 / 12 at which no word of a real reading
  is left out;
- ``min_speech_confidence``: 0.33 (measured with the first model), raised to just over
  (``NOISE_MARGIN``) the most confident of this model's own white and pink noise takes
  (:func:`noise_confidences`: some students hear noise as speech more than others), and
  lowered to the first percentile of real readings if that falls below (real readings win);
- ``min_speech_share`` 0.1 as measured with the first model, lowered likewise.

    python -m tutor.train.prompt_calibration --data ../shared/data/speechocean762 \\
        --models runs/kd [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from tutor.scoring.alignment import force_align, said_words
from tutor.scoring.audio import load_audio
from tutor.scoring.features import frame_features
from tutor.scoring.gop import gop_features
from tutor.scoring.model import AcousticModel
from tutor.scoring.prompt_check import PromptThresholds, prompt_match, speech_frames
from tutor.scoring.speechocean import load_split
from tutor.scoring.substitution import competitors

from .augment import pink_noise
from .dataset import valid_speakers
from .export import set_metadata

PENALTIES = (6.0, 8.0, 10.0, 12.0)
NOISE_MARGIN = 0.02
NOISE_SEED = 762  # not the trust tests' noise


def noise_confidences(acoustic: AcousticModel, seed: int = NOISE_SEED) -> np.ndarray:
    """Speech confidence (:func:`speech_frames`) of white and pink noise takes of 1, 2 and
    4 s at three levels, as this model hears them."""
    rng = np.random.default_rng(seed)
    out = []
    for seconds in (1.0, 2.0, 4.0):
        n = int(16000 * seconds)
        for level in (0.005, 0.05, 0.3):
            for noise in (rng.standard_normal(n), pink_noise(n, rng)):
                x = np.clip(noise * level, -1.0, 1.0).astype(np.float32)
                out.append(
                    speech_frames(acoustic.log_posteriors(frame_features(x, acoustic.features)))[0]
                )
    return np.array(out)


def speech_line(real: np.ndarray, noise: np.ndarray, default: float) -> float:
    """The speech-confidence line: ``default`` or just over the model's noise, whichever is
    higher, but never over the first percentile of real readings."""
    over_noise = max(default, float(noise.max()) + NOISE_MARGIN)
    return min(over_noise, float(np.percentile(real, 1)))


def measure(data: Path, acoustic: AcousticModel) -> PromptThresholds:
    utts = [u for u in load_split(data, "train") if u.speaker in valid_speakers()]
    confidence, share, match = [], [], []
    dropped = dict.fromkeys(PENALTIES, 0)
    for u in utts:
        log_post = acoustic.log_posteriors(
            frame_features(load_audio(u.audio).samples, acoustic.features)
        )
        words = [[w.phones] for w in u.words]
        c, s = speech_frames(log_post)
        confidence.append(c)
        share.append(s)
        ali = force_align(log_post, words)
        gop = gop_features(log_post, ali, acoustic.frame_shift)
        match.append(prompt_match(gop, competitors(log_post, ali)))
        for penalty in PENALTIES:
            kept = said_words(force_align(log_post, words, stop_penalty=penalty), len(words))
            dropped[penalty] += sum(not k for k in kept)
    defaults = PromptThresholds()
    p1 = float(np.percentile(match, 1))
    stop = next((p for p in PENALTIES if dropped[p] == 0), PENALTIES[-1])
    noise = noise_confidences(acoustic)
    print(f"real readings: match p1 {p1:.2f}, speech confidence p1 "
          f"{np.percentile(confidence, 1):.2f} (noise at most {noise.max():.2f}), speech "
          f"share p1 {np.percentile(share, 1):.2f}; words left out per penalty {dropped}",
          file=sys.stderr)  # fmt: skip
    return PromptThresholds(
        min_speech_confidence=speech_line(
            np.array(confidence), noise, defaults.min_speech_confidence
        ),
        min_speech_share=min(defaults.min_speech_share, float(np.percentile(share, 1))),
        min_prompt_match=round(math.floor(p1 * 10) / 10 - 0.1, 2),
        stop_penalty=stop,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.prompt_calibration")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--write", action="store_true", help="store them in acoustic.onnx")
    args = ap.parse_args(argv)
    path = args.models / "acoustic.onnx"
    limits = measure(args.data, AcousticModel.load(path))
    print(json.dumps(asdict(limits)))
    if args.write:
        set_metadata(path, {"prompt_check": json.dumps(asdict(limits))})
        print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
