"""A model soup: the student whose weights are the (weighted) average of several finished ones.

Students fine-tuned from one start (the same checkpoint, other seeds or temperatures) lie in
one basin of the loss, and their average is often better than each, for the price of none
at run time (Wortsman et al., 2022). Averaged batch-norm statistics do not describe the
averaged weights, so they are measured afresh over the training audio, heard as in training
(the same share of classroom copies), as SWA does.

Unequal weights make the soup a dial between its ingredients (WiSE-FT, Wortsman et al.,
2022): e.g. between a fine-tune that keeps wrong sounds apart and draws that follow the
experts more closely.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import update_bn

from tutor.scoring.features import FeatureConfig

from .distil_examples import BATCH, Example, batch_of, in_class
from .models import ConvNetConfig, ConvPhoneNet


def soup_ingredient(text: str) -> tuple[Path, float]:
    """``CKPT`` or ``CKPT:W`` (a weight, default 1) as a path and its weight."""
    path, sep, weight = text.rpartition(":")
    if not sep:
        return Path(text), 1.0
    try:
        w = float(weight)
    except ValueError:
        return Path(text), 1.0  # a colon in the path, no weight
    if not math.isfinite(w) or w < 0:
        raise ValueError(f"a soup weight must be a number >= 0, not {weight!r}")
    return Path(path), w


def average_states(
    ckpts: Sequence[Path], weights: Sequence[float] | None = None
) -> dict[str, torch.Tensor]:
    """The mean of the ``model`` weights in ``ckpts``, each counted by its share of
    ``weights`` (equal when None); counters are the first's."""
    if not ckpts:
        raise ValueError("a soup needs at least one student")
    w = np.ones(len(ckpts)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(ckpts) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("a soup needs one weight >= 0 per student, not all 0")
    share = torch.tensor(w / w.sum())
    states = [torch.load(c, weights_only=False)["model"] for c in ckpts]
    shapes = [{name: value.shape for name, value in s.items()} for s in states]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("the students differ in shape: a soup needs one architecture")

    def mixed(name: str) -> torch.Tensor:
        stack = torch.stack([s[name].double() for s in states])
        return torch.tensordot(share, stack, dims=1).to(states[0][name].dtype)

    return {
        name: mixed(name) if value.is_floating_point() else value
        for name, value in states[0].items()
    }


def souped(
    ckpts: Sequence[Path],
    config: ConvNetConfig,
    data: list[Example],
    noisy: float = 0.0,
    features: FeatureConfig | None = None,
    noisy_synthetic: bool = True,
    seed: int = 0,
    weights: Sequence[float] | None = None,
) -> ConvPhoneNet:
    """The soup of ``ckpts`` (by ``weights``, equal when None), its batch-norm statistics
    re-measured over one pass of ``data`` (a share ``noisy`` through the classroom, as
    :func:`distil_whisper.train`)."""
    net = ConvPhoneNet(config)
    net.load_state_dict(average_states(ckpts, weights))
    rng = np.random.default_rng([seed, 0])
    sources = [e.samples for e in data]
    order = np.argsort([len(e.feats) for e in data])  # similar lengths: little padding
    batches = (
        batch_of(in_class([data[i] for i in order[k : k + BATCH]], noisy, rng, sources,
                          features, noisy_synthetic))[0]
        for k in range(0, len(order), BATCH)
    )  # fmt: skip
    with torch.no_grad():
        update_bn(batches, net)
    return net.eval()
