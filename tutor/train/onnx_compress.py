"""Data-free compression of an exported model, for the chain's table rows.

Both work on the ONNX file's weights directly (no checkpoint, no training data, metadata
kept), as the seeds compress a distilled student:

- :func:`prune_global`: one threshold over all large weight matrices, on each weight's
  magnitude relative to its layer's RMS (exported layers carry folded batch norms, so raw
  magnitudes differ by orders between layers and a raw threshold empties whole layers); each
  layer ends with its own sparsity (mixed per-layer sparsity, chosen by the weights'
  distributions); depthwise convolutions, which hold few weights per channel, stay whole;
- :func:`cluster_channels`: channel-wise k-means (:func:`tutor.train.cluster.kmeans_1d`):
  each output channel keeps at most ``k`` distinct values, zeros stay zero.

Neither shrinks the file (weights stay dense float32); they make it compressible
(:func:`tutor.train.quantize.compressed_bytes`) and can be followed by weight-only INT8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .cluster import kmeans_1d
from .onnx_meta import update_metadata
from .weight_int8 import MIN_ELEMENTS, weight_axes


def _large_weights(model: onnx.ModelProto) -> dict[str, int]:
    """Initializer name -> output-channel axis, for the weights worth compressing."""
    grouped = {
        node.input[1]
        for node in model.graph.node
        if node.op_type == "Conv" and any(a.name == "group" and a.i > 1 for a in node.attribute)
    }
    axes = weight_axes(model.graph)
    return {
        init.name: axes[init.name] % len(init.dims)
        for init in model.graph.initializer
        if init.name in axes
        and init.name not in grouped
        and int(np.prod(init.dims)) >= MIN_ELEMENTS
        and len(init.dims) >= 2
    }


def _rewrite(src: Path, out: Path, change: dict[str, np.ndarray], note: str) -> None:
    model = onnx.load(str(src))
    for init in model.graph.initializer:
        if init.name in change:
            init.CopyFrom(numpy_helper.from_array(change[init.name].astype(np.float32), init.name))
    earlier = next((p.value for p in model.metadata_props if p.key == "compression"), None)
    update_metadata(model, {"compression": "; ".join(filter(None, [earlier, note]))})
    onnx.checker.check_model(model)
    onnx.save(model, str(out))


def prune_global(src: Path, out: Path, sparsity: float) -> dict[str, float]:
    """Zero the ``sparsity`` share of the large weights smallest relative to their layer's
    RMS (one global threshold); write ``out``; the sparsity each layer ended with."""
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be within [0, 1), got {sparsity}")
    model = onnx.load(str(src))
    names = _large_weights(model)
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer if i.name in names}
    relative = {
        n: np.abs(w) / max(float(np.sqrt(np.mean(w**2))), 1e-12) for n, w in weights.items()
    }
    every = np.concatenate([r.ravel() for r in relative.values()])
    threshold = np.quantile(every, sparsity) if every.size else 0.0
    pruned = {n: np.where(relative[n] <= threshold, 0.0, w) for n, w in weights.items()}
    _rewrite(src, out, pruned, f"magnitude pruning {sparsity:.0%} (global, layer-relative)")
    return {n: float((w == 0).mean()) for n, w in pruned.items()}


def cluster_channels(src: Path, out: Path, k: int) -> dict[str, int]:
    """Each output channel of the large weights keeps at most ``k`` values (zeros kept as
    one of them); write ``out``; the most distinct values left in any channel, per layer."""
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    model = onnx.load(str(src))
    names = _large_weights(model)
    clustered, distinct = {}, {}
    for init in model.graph.initializer:
        if init.name not in names:
            continue
        w = numpy_helper.to_array(init)
        rows = np.moveaxis(w, names[init.name], 0).reshape(w.shape[names[init.name]], -1)
        values = torch.from_numpy(rows.astype(np.float64))
        valid = values != 0
        per_row = torch.where(valid.all(dim=1), k, k - 1).clamp(min=1)
        centroids, assign = kmeans_1d(values, per_row, valid=valid)
        new = torch.where(valid, centroids.gather(1, assign.clamp(min=0)), 0.0).numpy()
        back = np.moveaxis(new.reshape(np.moveaxis(w, names[init.name], 0).shape), 0,
                           names[init.name])  # fmt: skip
        clustered[init.name] = back
        distinct[init.name] = max(len(np.unique(r)) for r in new)
    _rewrite(src, out, clustered, f"channel-wise k-means, {k} values per channel")
    return distinct
