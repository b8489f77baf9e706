"""Acoustic models: 1-D convolutional phone classifiers over log-mel frames.

Both teacher and student are stacks of residual, dilated, depthwise-separable convolutions
(TDNN-like) after a stride-2 input convolution, so they output one frame every 20 ms and
export to small, fast ONNX graphs. The teacher is wider and deeper.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from tutor.scoring.phones import PHONE_SET


@dataclass(frozen=True)
class ConvNetConfig:
    n_mels: int = 40
    channels: int = 256
    blocks: int = 6
    kernel: int = 5
    dilations: tuple[int, ...] = (1, 2, 3)
    dropout: float = 0.1
    n_classes: int = len(PHONE_SET)
    subsampling: int = 2

    def to_dict(self) -> dict:
        return asdict(self)


TEACHER = ConvNetConfig(channels=512, blocks=8, dropout=0.15)
STUDENT = ConvNetConfig(channels=256, blocks=6, dropout=0.1)
TINY = ConvNetConfig(channels=32, blocks=2, dropout=0.0)  # for tests


class SeparableBlock(nn.Module):
    def __init__(self, channels: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        pad = (kernel - 1) // 2 * dilation
        self.depthwise = nn.Conv1d(
            channels, channels, kernel, padding=pad, dilation=dilation, groups=channels
        )
        self.pointwise = nn.Conv1d(channels, channels, 1)
        self.norm = nn.BatchNorm1d(channels)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop(self.act(self.norm(self.pointwise(self.depthwise(x)))))


class ConvPhoneNet(nn.Module):
    """``(batch, frames, n_mels)`` log-mel -> ``(batch, ceil(frames / 2), classes)`` logits."""

    def __init__(self, config: ConvNetConfig) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.front = nn.Sequential(
            nn.Conv1d(config.n_mels, c, 5, stride=config.subsampling, padding=2),
            nn.BatchNorm1d(c),
            nn.ReLU(),
        )
        self.blocks = nn.Sequential(
            *[
                SeparableBlock(
                    c, config.kernel, config.dilations[i % len(config.dilations)], config.dropout
                )
                for i in range(config.blocks)
            ]
        )
        self.out = nn.Conv1d(c, config.n_classes, 1)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.front(feats.transpose(1, 2))
        return self.out(self.blocks(x)).transpose(1, 2)


def output_frames(n_frames: int, subsampling: int = 2) -> int:
    """Frames the network emits for ``n_frames`` input frames (stride-2, padding 2, k=5)."""
    return (n_frames - 1) // subsampling + 1 if n_frames > 0 else 0


class LogSoftmaxWrapper(nn.Module):
    """What is exported: log posteriors, so the runtime needs no extra maths."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.net(feats), dim=-1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
