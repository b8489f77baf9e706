"""Acoustic model shapes timed against each other before any is trained.

The chain ships a new pair only if it takes at most 1.25 × the replaced pair's time
(:mod:`tutor.train.ship_rule`), so a width or depth worth an hour of training should be
timed first. Each shape is built with random weights, exported as the shipped model is
(:func:`tutor.train.export.export_acoustic`) and loaded as the engine loads it, on one thread, the
shapes taking turns on the same input so that all meet the same load; the ratios to the
first shape are what to compare, not the milliseconds.

    python -m tutor.train.shape_timing 448x8 480x8 512x8 448x10 --spectral-front 32
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tutor.scoring.features import FeatureConfig
from tutor.scoring.model import AcousticModel

from .export import export_acoustic
from .models import ConvNetConfig, ConvPhoneNet


@dataclass(frozen=True)
class Shape:
    channels: int
    blocks: int

    @classmethod
    def parse(cls, text: str) -> Shape:
        """``"448x8"``: 448 channels, 8 blocks."""
        try:
            channels, blocks = (int(part) for part in text.lower().split("x"))
        except ValueError:
            raise ValueError(f"a shape is CHANNELSxBLOCKS, such as 448x8, not {text!r}") from None
        if channels < 1 or blocks < 1:
            raise ValueError(f"a shape needs at least one channel and one block: {text!r}")
        return cls(channels, blocks)

    def __str__(self) -> str:
        return f"{self.channels}x{self.blocks}"


def time_shapes(
    shapes: list[Shape], spectral_front: int = 0, frames: int = 400, turns: int = 25
) -> dict[str, tuple[float, float]]:
    """Each shape's median milliseconds per run of ``frames`` input frames and its ratio
    to the first shape's, the shapes taking ``turns`` turns each."""
    if len(set(shapes)) != len(shapes):
        raise ValueError("each shape once")
    features = FeatureConfig()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        models = {}
        for shape in shapes:
            config = ConvNetConfig(
                channels=shape.channels, blocks=shape.blocks, spectral_front=spectral_front
            )
            path = export_acoustic(
                ConvPhoneNet(config).eval(), Path(tmp) / f"{shape}.onnx", features, {}
            )
            models[str(shape)] = AcousticModel.load(path, threads=1)
        x = np.random.default_rng(0).standard_normal((frames, features.n_inputs), np.float32)
        seconds: dict[str, list[float]] = {name: [] for name in models}
        for _ in range(turns):
            for name, model in models.items():
                start = time.perf_counter()
                model.log_posteriors(x)
                seconds[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(s)) for name, s in seconds.items()}
    first = medians[str(shapes[0])]
    return {name: (1000 * m, m / first) for name, m in medians.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="+", type=Shape.parse, help="CHANNELSxBLOCKS, first = 1")
    parser.add_argument("--spectral-front", type=int, default=0, help="as the student's option")
    parser.add_argument("--frames", type=int, default=400, help="input frames (10 ms each)")
    parser.add_argument("--turns", type=int, default=25)
    args = parser.parse_args(argv)
    try:
        timed = time_shapes(args.shapes, args.spectral_front, args.frames, args.turns)
    except ValueError as exc:
        parser.error(str(exc))
    print("| shape | ms (median, one thread) | × the first |")
    print("|---|---|---|")
    for name, (ms, ratio) in timed.items():
        print(f"| {name} | {ms:.1f} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
