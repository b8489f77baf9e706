"""Noise-injection reparameterisation: learn each block's width by SGD, then cut it.

Every residual block of the distilled student reads the stream through one gate per
channel, ``z = theta + sigma * eps`` (``eps ~ N(0, 1)`` drawn per take and channel, as in
sparse variational dropout). Training goes on with the distillation loss plus
``strength`` x the gates' mean KL term, which rewards noise: SGD raises the noise on the
channels a block can do without and keeps it low on the ones it needs, so each block
learns its own width. A channel whose noise-to-signal ``log alpha = log sigma^2 / theta^2``
passes :data:`CUT_LOG_ALPHA` is cut.

The cut net is really narrower, not masked: a block computes its depthwise convolution on
its kept channels only (``theta`` folded into the weights) and its pointwise convolution
from them; a cut channel's depthwise output is its bias alone, a constant that folds into
the pointwise bias, so cutting changes nothing the gated net computed at evaluation.

    python -m tutor.train.noise_reparam --data ../shared/data/speechocean762 \\
        --teacher runs/teacher --models assets/models --student runs/kd --out runs/nir
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tutor.scoring.model import AcousticModel
from tutor.scoring.speechocean import load_split

from .dataset import valid_speakers
from .distil_examples import BATCH, Example, batch_of, examples
from .distil_losses import kd_and_ce
from .distil_whisper import SPEEDS, Stateful, agreement, load_state, save_state, step
from .export import export_acoustic
from .models import ConvNetConfig, ConvPhoneNet, SeparableBlock

INHERITED = ("training_data", "data_hash", "prompt_check")  # from the student it cuts
CUT_LOG_ALPHA = 3.0  # sigma / theta above e^1.5 ~ 4.5: the channel carries noise, not signal
_K1, _K2, _K3 = 0.63576, 1.87320, 1.48695  # Molchanov et al.'s fit of the KL term


class NoiseGate(nn.Module):
    """One multiplicative gate per channel with a learnt noise level."""

    def __init__(self, channels: int, init_log_sigma2: float = -4.0) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.ones(channels))
        self.log_sigma2 = nn.Parameter(torch.full((channels,), init_log_sigma2))

    def log_alpha(self) -> torch.Tensor:
        return self.log_sigma2 - torch.log(self.theta.pow(2) + 1e-8)

    def kept(self) -> torch.Tensor:
        return self.log_alpha() < CUT_LOG_ALPHA

    def kl(self) -> torch.Tensor:
        """Mean over channels of the (approximate) KL term; falls as the noise grows."""
        la = self.log_alpha().clamp(-10.0, 10.0)
        neg_kl = _K1 * torch.sigmoid(_K2 + _K3 * la) - 0.5 * torch.log1p(torch.exp(-la)) - _K1
        return -neg_kl.mean()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, channels, frames)
        if self.training:
            eps = torch.randn(x.shape[0], x.shape[1], 1, device=x.device)
            z = self.theta[None, :, None] + torch.exp(0.5 * self.log_sigma2)[None, :, None] * eps
            return x * z
        return x * (self.theta * self.kept())[None, :, None]


class GatedBlock(nn.Module):
    """A :class:`SeparableBlock` that reads the residual stream through a :class:`NoiseGate`."""

    def __init__(self, block: SeparableBlock) -> None:
        super().__init__()
        self.block = block
        self.gate = NoiseGate(block.pointwise.in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block.update(x, self.gate(x))


class NarrowBlock(nn.Module):
    """A cut block: depthwise and pointwise convolutions over the kept channels only."""

    keep: torch.Tensor

    def __init__(self, gated: GatedBlock) -> None:
        super().__init__()
        b, gate = gated.block, gated.gate
        keep = gate.kept().nonzero().flatten()
        self.register_buffer("keep", keep)
        dw, pw = b.depthwise, b.pointwise
        k = len(keep)
        kernel, dilation = dw.kernel_size[0], dw.dilation[0]
        self.depthwise = nn.Conv1d(
            k, k, kernel, padding=(kernel - 1) // 2 * dilation, dilation=dilation, groups=max(k, 1)
        )
        self.pointwise = nn.Conv1d(k, pw.out_channels, 1)
        assert dw.bias is not None and pw.bias is not None
        assert self.depthwise.bias is not None and self.pointwise.bias is not None
        with torch.no_grad():
            theta = gate.theta[keep]
            self.depthwise.weight.copy_(dw.weight[keep] * theta[:, None, None])
            self.depthwise.bias.copy_(dw.bias[keep])
            w = pw.weight[:, :, 0]
            cut = ~gate.kept()
            self.pointwise.weight.copy_(w[:, keep, None])
            self.pointwise.bias.copy_(pw.bias + w[:, cut] @ dw.bias[cut])
        self.norm, self.act, self.context = b.norm, b.act, b.context

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.norm(self.pointwise(self.depthwise(x.index_select(1, self.keep)))))
        return x + self.context(h)


def gated(net: ConvPhoneNet) -> ConvPhoneNet:
    """A copy of ``net`` whose every block reads through a noise gate (all open)."""
    out = copy.deepcopy(net)
    out.blocks = nn.Sequential(
        *[GatedBlock(b) for b in out.blocks if isinstance(b, SeparableBlock)]
    )
    return out


def narrowed(net: ConvPhoneNet) -> ConvPhoneNet:
    """The gated ``net`` with its cut channels removed (same outputs at evaluation)."""
    out = copy.deepcopy(net).eval()
    out.blocks = nn.Sequential(*[NarrowBlock(b) for b in out.blocks if isinstance(b, GatedBlock)])
    return out


def gates(net: ConvPhoneNet) -> list[NoiseGate]:
    return [b.gate for b in net.blocks if isinstance(b, GatedBlock)]


def widths(net: ConvPhoneNet) -> list[int]:
    """Channels each block reads (after a cut, or what a cut would keep)."""
    return [
        len(b.keep) if isinstance(b, NarrowBlock) else int(b.gate.kept().sum())
        for b in net.blocks
        if isinstance(b, NarrowBlock | GatedBlock)
    ]


def fine_tune(
    net: ConvPhoneNet,
    data: list[Example],
    out: Path,
    epochs: int,
    strength: float,
    kd_weight: float = 0.5,
    seed: int = 0,
    gate_lr: float = 3e-2,
) -> ConvPhoneNet:
    """Go on distilling the gated ``net`` with the KL term (checkpointed in ``nir_ckpt.pt``)."""
    torch.manual_seed(seed)
    gate_params = [p for g in gates(net) for p in g.parameters()]
    ids = {id(p) for p in gate_params}
    weights = [p for p in net.parameters() if id(p) not in ids]
    groups = [
        {"params": weights, "lr": 3e-4},
        {"params": gate_params, "lr": gate_lr, "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=1e-2)
    steps = epochs * -(-len(data) // BATCH)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    parts: dict[str, Stateful] = {"model": net, "opt": opt, "sched": sched}
    start = load_state(out / "nir_ckpt.pt", parts)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(data))
        if epoch < start:
            continue
        net.train()
        total = 0.0
        batches = [order[k : k + BATCH] for k in range(0, len(order), BATCH)]
        for b in batches:
            x, soft, hard = batch_of([data[i] for i in b])
            logp = torch.log_softmax(net(x), dim=-1)
            n = min(logp.shape[1], soft.shape[1])
            kd, ce = kd_and_ce(logp[:, :n], soft[:, :n], hard[:, :n], hard[:, :n])
            kl = torch.stack([g.kl() for g in gates(net)]).mean()
            loss = kd_weight * kd + (1 - kd_weight) * ce + strength * kl
            total += step(net, opt, sched, loss)
        save_state(out / "nir_ckpt.pt", parts, epoch + 1)
        print(f"noise-injection epoch {epoch + 1}/{epochs}: loss {total / len(batches):.3f}, "
              f"widths {widths(net)}", file=sys.stderr, flush=True)  # fmt: skip
    return net.eval()


def load_student(folder: Path, metadata: dict[str, str]) -> ConvPhoneNet:
    """The distilled student saved by :mod:`tutor.train.distil_whisper` (``ckpt.pt``), built
    from the settings its ``acoustic.onnx`` records (``metadata``)."""
    settings = json.loads(metadata["settings"])
    config = {**settings["student"], "dilations": tuple(settings["student"]["dilations"])}
    net = ConvPhoneNet(ConvNetConfig(**config))
    state = torch.load(folder / "ckpt.pt", weights_only=False)
    net.load_state_dict(state["model"])
    return net.eval()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.noise_reparam")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--student", type=Path, required=True, help="distil_whisper's --out folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--strength", type=float, default=0.05, help="weight of the KL term")
    ap.add_argument("--limit", type=int, help="only the first N utterances (a quick try)")
    args = ap.parse_args(argv)
    t0 = time.time()
    utts = load_split(args.data, "train")[: args.limit]
    acoustic = AcousticModel.load(args.models / "acoustic.onnx")
    valid = set(valid_speakers())
    train_ex = examples([u for u in utts if u.speaker not in valid], args.teacher, acoustic, SPEEDS)
    valid_ex = examples([u for u in utts if u.speaker in valid], args.teacher, acoustic, (1.0,))
    args.out.mkdir(parents=True, exist_ok=True)
    source = AcousticModel.load(args.student / "acoustic.onnx").metadata
    student = load_student(args.student, source)
    net = fine_tune(gated(student), train_ex, args.out, args.epochs, args.strength)
    cut = narrowed(net)
    before, after = agreement(student, valid_ex), agreement(cut, valid_ex)
    found = widths(cut)
    export_acoustic(
        cut,
        args.out / "acoustic.onnx",
        acoustic.features,
        {
            "version": f"whisperkd-nir-{time.strftime('%Y%m%d')}",
            "variant": "noise_injection",
            "settings": json.dumps(
                {"student": str(args.student), "epochs": args.epochs, "strength": args.strength}
            ),
            "validation": json.dumps(
                {"teacher_agreement": after, "before": before, "widths": found}
            ),
            # the student's provenance, and its prompt check (calibrated on its posteriors)
            **{k: v for k, v in source.items() if k in INHERITED},
        },
    )
    print(f"noise injection: block widths {found} of {student.config.channels}; teacher agreement "
          f"{before:.3f} -> {after:.3f} ({time.time() - t0:.0f} s) -> "
          f"{args.out / 'acoustic.onnx'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
