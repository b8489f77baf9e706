"""Acoustic models: 1-D convolutional phone classifiers over log-mel frames.

Both teacher and student are stacks of residual, dilated, depthwise-separable convolutions
(TDNN-like) after a stride-2 input convolution, so they output one frame every 20 ms and
export to small, fast ONNX graphs. The teacher is wider and deeper.

With ``spectral_front=K`` the input convolution is two 2-D convolutions of K maps over
mel bands x frames before the 1-D stack: filters that slide along frequency see a formant
pattern wherever a speaker's vocal tract puts it (the CNN argument for speaker
robustness), where a 1-D input layer learns one filter per band.

With ``context=True`` each block also rescales its channels from their mean over the whole
take (squeeze-and-excitation, as in ContextNet): a cheap view of the speaker's whole voice,
which a local window lacks when telling close vowels of different speakers apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
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
    context: bool = False  # squeeze-and-excitation over the whole take in every block
    spectral_front: int = 0  # > 0: a 2-D convolution front of this many maps over mel x time
    extra_inputs: int = 0  # columns after the mels (voicing) that join after the 2-D front

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def block_dilations(self) -> tuple[int, ...]:
        """Each block's dilation: ``dilations`` repeated over the depth."""
        return tuple(self.dilations[i % len(self.dilations)] for i in range(self.blocks))


def parse_dilations(text: str) -> tuple[int, ...]:
    """``"1,2,4"`` as a command line gives a student's dilations."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"dilations are whole numbers separated by commas, not {text!r}") from None
    if not values or min(values) < 1:
        raise ValueError(f"each dilation is at least 1: {text!r}")
    return values


def receptive_field(config: ConvNetConfig) -> int:
    """Frames (after subsampling) one output frame hears through the blocks."""
    return 1 + (config.kernel - 1) * sum(config.block_dilations)


TEACHER = ConvNetConfig(channels=512, blocks=8, dropout=0.15)
STUDENT = ConvNetConfig(channels=256, blocks=6, dropout=0.1)
TINY = ConvNetConfig(channels=32, blocks=2, dropout=0.0)  # for tests


class TakeContext(nn.Module):
    """Channel gates from the channels' mean over all frames (squeeze-and-excitation)."""

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.Linear(channels, channels // reduction),
            nn.ReLU(),
            nn.Linear(channels // reduction, channels),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, channels, frames)
        return x * self.gate(x.mean(dim=2)).unsqueeze(2)


class SpectralFront(nn.Module):
    """``(batch, n_mels + extra, frames)`` -> ``(batch, channels, frames / subsampling)``
    through two 2-D convolutions (each halving the mel axis; the second also strides in
    time). The ``extra`` columns after the mels are no spectrum: they skip the 2-D
    convolutions and join the projection, subsampled like the maps."""

    def __init__(
        self, n_mels: int, maps: int, channels: int, subsampling: int, extra: int = 0
    ) -> None:
        super().__init__()
        self.n_mels, self.extra = n_mels, extra
        self.convs = nn.Sequential(
            nn.Conv2d(1, maps, (5, 3), stride=(2, 1), padding=(2, 1)),
            nn.BatchNorm2d(maps),
            nn.ReLU(),
            nn.Conv2d(maps, maps, (5, 3), stride=(2, subsampling), padding=(2, 1)),
            nn.BatchNorm2d(maps),
            nn.ReLU(),
        )
        bands = (n_mels + 1) // 2
        bands = (bands + 1) // 2
        self.extra_in: nn.Module = (
            nn.Conv1d(extra, extra * 4, 3, stride=subsampling, padding=1)
            if extra
            else nn.Identity()
        )
        self.project = nn.Sequential(
            nn.Conv1d(maps * bands + extra * 4, channels, 1), nn.BatchNorm1d(channels), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mels = x[:, : self.n_mels] if self.extra else x
        h = self.convs(mels.unsqueeze(1)).flatten(1, 2)  # (batch, maps x bands, frames / sub)
        if self.extra:
            h = torch.cat([h, self.extra_in(x[:, self.n_mels :])], dim=1)
        return self.project(h)


class NumpyDropout(nn.Module):
    """Dropout with its mask drawn by numpy. torch's CPU Bernoulli draw is single-threaded
    and about 3x slower than numpy's generator: with ``nn.Dropout`` after each block a
    2-core training step spent about a sixth of its time drawing masks. ``seed``
    (:class:`ConvPhoneNet` gives each block torch's seed and its index) keeps each
    block's masks its own and a run repeatable."""

    def __init__(self, p: float, seed: int | tuple[int, ...] = 0) -> None:
        super().__init__()
        self.p = p
        self.rng = np.random.default_rng(seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = self.rng.random(tuple(x.shape), dtype=np.float32) >= self.p
        scale = torch.from_numpy(keep).to(x.dtype).mul_(1.0 / (1.0 - self.p))
        return x * scale  # one product on the autograd path, not two


class SeparableBlock(nn.Module):
    def __init__(
        self,
        channels: int,
        kernel: int,
        dilation: int,
        dropout: float,
        context: bool = False,
        seed: int | tuple[int, ...] = 0,
    ) -> None:
        super().__init__()
        pad = (kernel - 1) // 2 * dilation
        self.depthwise = nn.Conv1d(
            channels, channels, kernel, padding=pad, dilation=dilation, groups=channels
        )
        self.pointwise = nn.Conv1d(channels, channels, 1)
        self.norm = nn.BatchNorm1d(channels)
        self.act = nn.ReLU()
        self.drop = NumpyDropout(dropout, seed)
        self.context = TakeContext(channels) if context else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.update(x, x)

    def update(self, x: torch.Tensor, read: torch.Tensor) -> torch.Tensor:
        """The residual stream ``x`` plus what the block computes from ``read`` (``x``
        itself, or a gated view of it in :mod:`tutor.train.noise_reparam`)."""
        h = self.act(self.norm(self.pointwise(self.depthwise(read))))
        return x + self.drop(self.context(h))


class ConvPhoneNet(nn.Module):
    """``(batch, frames, n_mels + extra_inputs)`` features -> ``(batch, ceil(frames / 2),
    classes)`` logits."""

    def __init__(self, config: ConvNetConfig) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.front: nn.Module = (
            SpectralFront(
                config.n_mels, config.spectral_front, c, config.subsampling, config.extra_inputs
            )
            if config.spectral_front
            else nn.Sequential(
                nn.Conv1d(
                    config.n_mels + config.extra_inputs, c, 5, stride=config.subsampling, padding=2
                ),
                nn.BatchNorm1d(c),
                nn.ReLU(),
            )
        )
        self.blocks = nn.Sequential(
            *[
                SeparableBlock(
                    c,
                    config.kernel,
                    dilation,
                    config.dropout,
                    config.context,
                    seed=(torch.initial_seed(), i),  # follows torch.manual_seed
                )
                for i, dilation in enumerate(config.block_dilations)
            ]
        )
        self.out = nn.Conv1d(c, config.n_classes, 1)

    def hidden(self, feats: torch.Tensor) -> torch.Tensor:
        """The last block's output, ``(batch, channels, frames / 2)``: what the classifier
        reads, and what feature distillation shapes."""
        return self.blocks(self.front(feats.transpose(1, 2)))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden(feats)).transpose(1, 2)


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
