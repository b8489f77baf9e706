"""A shipped acoustic model back as a trainable student.

A fine-tune starts from a finished student's ``ckpt.pt``, which lives in a run folder that a
fresh machine does not have. The shipped ``acoustic.onnx`` holds the same network: its
Conv weights in graph order (INT8 ones dequantised), and each batch norm folded into the
convolution before it. Folding loses the split between the convolution and the norm, but
any split computes the same function in eval mode; the one chosen here also keeps it in
training mode, where a norm divides by its batch's own statistics: the norm's scale and
shift are set to the standard deviation and mean of what the folded convolution gives on
real batches, so normalising and rescaling hands back (nearly) the same activations.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from tutor.scoring.features import FeatureConfig

from .distil_examples import BATCH, Example, batch_of, in_class
from .export import get_metadata
from .models import ConvNetConfig, ConvPhoneNet

Conv = nn.Conv1d | nn.Conv2d
Norm = nn.BatchNorm1d | nn.BatchNorm2d


def student_config(path: Path) -> ConvNetConfig:
    """The student's shape as its export recorded it (metadata ``settings``)."""
    try:
        shape = dict(json.loads(get_metadata(path)["settings"])["student"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{path} records no student settings: not one of our students") from None
    shape["dilations"] = tuple(shape["dilations"])
    return ConvNetConfig(**shape)


def conv_weights(path: Path) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Each Conv node's (weight, bias) in graph order, INT8 weights dequantised."""
    graph = onnx.load(str(path)).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            tensors[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "DequantizeLinear":
            q, scale = tensors[node.input[0]], tensors[node.input[1]]
            zero = tensors[node.input[2]] if len(node.input) > 2 else np.zeros_like(scale)
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1) % q.ndim
            shape = [1] * q.ndim
            shape[axis] = -1
            values = (
                q.astype(np.float32) - zero.astype(np.float32).reshape(shape)
            ) * scale.reshape(shape)
            tensors[node.output[0]] = values.astype(np.float32)
    return [
        (tensors[n.input[1]], tensors[n.input[2]] if len(n.input) > 2 else None)
        for n in graph.node
        if n.op_type == "Conv"
    ]


def _convs_and_norms(net: nn.Module) -> list[tuple[Conv, Norm | None]]:
    """Each convolution of ``net`` in the order it runs, with the batch norm right after it."""
    modules = list(net.modules())
    pairs: list[tuple[Conv, Norm | None]] = []
    for k, module in enumerate(modules):
        if isinstance(module, Conv):
            after = modules[k + 1] if k + 1 < len(modules) else None
            pairs.append((module, after if isinstance(after, Norm) else None))
    return pairs


def student_from_onnx(path: Path, batches: list[torch.Tensor]) -> ConvPhoneNet:
    """The student in ``path`` as a :class:`ConvPhoneNet` whose batch norms are split off
    again, measured on ``batches`` (``(batch, frames, n_mels)`` features, as in training)."""
    net = ConvPhoneNet(student_config(path))
    pairs, weights = _convs_and_norms(net), conv_weights(path)
    if len(pairs) != len(weights):
        raise ValueError(f"{path}: {len(weights)} convolutions, the student has {len(pairs)}")
    with torch.no_grad():
        for (conv, norm), (w, b) in zip(pairs, weights, strict=True):
            if tuple(conv.weight.shape) != w.shape:
                raise ValueError(f"{path}: a weight of shape {w.shape}, expected "
                                 f"{tuple(conv.weight.shape)}")  # fmt: skip
            conv.weight.copy_(torch.tensor(w))
            if conv.bias is not None:
                conv.bias.copy_(torch.tensor(b) if b is not None else torch.zeros_like(conv.bias))
            if norm is not None:  # the identity in eval mode until measured
                norm.reset_parameters()
                _running(norm)[1].fill_(1.0 - norm.eps)
    _measure_norms(net, [n for _, n in pairs if n is not None], batches)
    return net.eval()


def _running(norm: Norm) -> tuple[torch.Tensor, torch.Tensor]:
    """A norm's running mean and variance (ours always track them)."""
    if norm.running_mean is None or norm.running_var is None:
        raise ValueError("a batch norm without running statistics")
    return norm.running_mean, norm.running_var


def _measure_norms(net: ConvPhoneNet, norms: list[Norm], batches: list[torch.Tensor]) -> None:
    """Set each norm to undo its own normalisation on ``batches``: mean and variance of
    its input per channel (pooled over the batches, every position, as batch norm pools)."""
    sums: dict[int, list[torch.Tensor]] = {}

    def record(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        x = inputs[0].transpose(0, 1).flatten(1).double()  # (channels, values)
        acc = sums.setdefault(
            id(module),
            [torch.zeros(len(x)).double(), torch.zeros(len(x)).double(), torch.zeros(1).double()],
        )
        acc[0] += x.sum(1)
        acc[1] += (x * x).sum(1)
        acc[2] += x.shape[1]

    hooks = [n.register_forward_pre_hook(record) for n in norms]
    net.eval()  # every norm is the identity now, so each sees what the folded net computes
    try:
        with torch.no_grad():
            for x in batches:
                net(x)
    finally:
        for hook in hooks:
            hook.remove()
    if not sums:
        raise ValueError("no batches to measure the batch norms on")
    with torch.no_grad():
        for norm in norms:
            total, squares, count = sums[id(norm)]
            mean = total / count
            var = (squares / count - mean * mean).clamp_min(0.0)
            # scale sqrt(var + eps) over sqrt(running_var + eps): 1 in eval mode, and
            # undoing the division by the batch's own statistics in training mode
            running_mean, running_var = _running(norm)
            running_mean.copy_(mean.float())
            running_var.copy_(var.float())
            norm.weight.copy_((var + norm.eps).sqrt().float())
            norm.bias.copy_(mean.float())


CALIBRATION_BATCHES = 16


def started_from(init: Path | None) -> str | None:
    """What a student's settings record as its start: the path, and for an ONNX model its
    version too (the shipped file it names is replaced when a new pair ships)."""
    if init is None or init.suffix != ".onnx":
        return str(init) if init else None
    version = get_metadata(init).get("version", "unversioned")
    return f"{init} ({version})"


def start_weights(
    init: Path,
    config: ConvNetConfig,
    data: list[Example],
    noisy: float = 0.0,
    features: FeatureConfig | None = None,
    noisy_synthetic: bool = True,
) -> dict[str, torch.Tensor]:
    """The weights a fine-tune starts from: a finished student's ``ckpt.pt``, or a shipped
    ``acoustic.onnx`` (its norms measured on batches of ``data`` made as training makes
    them: bucketed by length, a ``noisy`` share in classroom noise)."""
    if init.suffix != ".onnx":
        _same_dilations(init.with_name("acoustic.onnx"), config)
        return grown_for_voicing(torch.load(init, weights_only=False)["model"], config)
    recorded = student_config(init)
    reads = recorded.n_mels + recorded.extra_inputs  # the file's columns
    extra = recorded.extra_inputs or config.extra_inputs  # none yet: grown below if asked
    if replace(recorded, dropout=config.dropout, extra_inputs=extra) != config:
        raise ValueError(f"{init} is a {recorded.channels} x {recorded.blocks} student "
                         f"(front {recorded.spectral_front}, {recorded.extra_inputs} voicing "
                         f"columns); asked for {config.channels} x {config.blocks} (front "
                         f"{config.spectral_front}, {config.extra_inputs})")  # fmt: skip
    rng = np.random.default_rng(0)
    chosen = sorted(rng.permutation(len(data))[: CALIBRATION_BATCHES * BATCH],
                    key=lambda i: len(data[i].feats))  # fmt: skip
    sources = [e.samples for e in data]
    batches = [
        batch_of(in_class([data[i] for i in chosen[k : k + BATCH]], noisy, rng, sources,
                          features, noisy_synthetic))[0]
        for k in range(0, len(chosen), BATCH)
    ]  # fmt: skip
    plain = student_from_onnx(init, [b[:, :, :reads] for b in batches]).state_dict()
    return grown_for_voicing(plain, config)


def _same_dilations(exported: Path, config: ConvNetConfig) -> None:
    """Dilations change no weight's shape, so a checkpoint of other dilations would load
    without complaint; its exported sibling (where there is one) records them."""
    if not exported.is_file():
        return
    recorded = student_config(exported)
    if (recorded.kernel, recorded.dilations) != (config.kernel, config.dilations):
        raise ValueError(f"{exported.parent} was trained with dilations {recorded.dilations} "
                         f"(kernel {recorded.kernel}); asked for {config.dilations} "
                         f"(kernel {config.kernel})")  # fmt: skip


def grown_for_voicing(state: dict[str, torch.Tensor], config: ConvNetConfig) -> dict:
    """``state``, a student's weights, made to fit ``config``: where ``config`` reads voicing
    columns the weights lack, the columns' own convolution starts fresh and reaches the
    projection through zero weights, so the grown student computes what ``state`` did and
    learns to use them from there. Weights of another architecture come back as they are,
    for ``load_state_dict`` to name what does not fit."""
    if not config.extra_inputs or "front.extra_in.weight" in state:
        return state
    grown = ConvPhoneNet(config).state_dict()
    new = "front.extra_in."
    if set(state) != {n for n in grown if not n.startswith(new)}:
        return state  # another architecture: load_state_dict names the difference
    for name, fresh in grown.items():
        if name.startswith(new):
            continue  # the voicing columns' convolution: its fresh weights
        old = state[name]
        if old.shape == fresh.shape:
            grown[name] = old
        elif old.shape[0] == fresh.shape[0] and old.shape[2:] == fresh.shape[2:]:  # inputs grew
            zeros = old.new_zeros((old.shape[0], fresh.shape[1] - old.shape[1], *old.shape[2:]))
            grown[name] = torch.cat([old, zeros], dim=1)
        else:
            grown[name] = old  # another width: load_state_dict names it
    return grown
