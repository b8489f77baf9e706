"""A uniform model soup: the student whose weights are the average of several finished ones.

Students fine-tuned from one start (the same checkpoint, other seeds or temperatures) lie in
one basin of the loss, and their average is often better than each, for the price of none
at run time (Wortsman et al., 2022). Averaged batch-norm statistics do not describe the
averaged weights, so they are measured afresh over the training audio, heard as in training
(the same share of classroom copies), as SWA does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import update_bn

from tutor.scoring.features import FeatureConfig

from .distil_examples import BATCH, Example, batch_of, in_class
from .models import ConvNetConfig, ConvPhoneNet


def average_states(ckpts: Sequence[Path]) -> dict[str, torch.Tensor]:
    """The mean of the ``model`` weights in ``ckpts`` (counters are the first's)."""
    if not ckpts:
        raise ValueError("a soup needs at least one student")
    states = [torch.load(c, weights_only=False)["model"] for c in ckpts]
    shapes = [{name: value.shape for name, value in s.items()} for s in states]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("the students differ in shape: a soup needs one architecture")
    return {
        name: torch.stack([s[name] for s in states]).mean(0) if value.is_floating_point() else value
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
) -> ConvPhoneNet:
    """The soup of ``ckpts``, its batch-norm statistics re-measured over one pass of
    ``data`` (a share ``noisy`` through the classroom, as :func:`distil_whisper.train`)."""
    net = ConvPhoneNet(config)
    net.load_state_dict(average_states(ckpts))
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
