"""One training step of the shipped student's shape (batch 16, 4.4 s takes) with torch's
dropout, the numpy-drawn dropout the blocks use, and none, interleaved so that the three
share the machine's noise; prints each one's median step time and its ratio to torch's.

    .venv/bin/python scripts/bench-train-step.py [--rounds 3] [--steps 8]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from tutor.train.models import ConvNetConfig, ConvPhoneNet


def step_ms(kind: str, steps: int) -> float:
    torch.manual_seed(0)
    net = ConvPhoneNet(ConvNetConfig(spectral_front=32)).train()
    for block in net.blocks:
        if kind != "numpy":
            block.drop = nn.Dropout(block.drop.p) if kind == "torch" else nn.Identity()
    opt = torch.optim.AdamW(net.parameters())
    x = torch.randn(16, 440, 40)
    net(x).sum().backward()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        net(x).sum().backward()
        opt.step()
    return (time.perf_counter() - t0) / steps * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=8)
    args = ap.parse_args()
    kinds = ("torch", "numpy", "none")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.rounds):
        for kind in kinds:
            times[kind].append(step_ms(kind, args.steps))
    base = statistics.median(times["torch"])
    for kind in kinds:
        ms = statistics.median(times[kind])
        print(f"{kind:>6} dropout: {ms:.0f} ms a step ({ms / base:.2f}x torch's)")


if __name__ == "__main__":
    main()
