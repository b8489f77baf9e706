"""Compression stage of the model pipeline: pruning, weight clustering, INT8 quantisation.

The tools work on any ``torch.nn.Module`` made of Conv1d/Conv2d/Linear layers (plus norms,
which are left alone) and on any ONNX model. The usual order::

    pruner = GradualPruner(model, 0.7, total_steps=3000, skip=("*depthwise*",))
    ... fine-tune, calling pruner.step() after each optimizer.step() ...
    clusters = cluster_weights(model, 16)       # <= 16 values per output channel, zeros kept
    handle = clusters.attach(optimizer)         # ... short fine-tune with clustering kept ...
    make_permanent(model)                       # fold pruning masks before export
    export_acoustic(model, fp32_path, ...)      # tutor.train.export
    quantize_onnx_int8(fp32_path, int8_path, calibration_feeds)
    compare_onnx(fp32_path, int8_path, test_feeds)   # -> max_abs_diff, top1_agreement, mean_kl

Pruning and clustering do not shrink the ONNX file by themselves (the weights stay dense
float32); they make it compressible, which :func:`compressed_bytes` measures (what the model
adds to a compressed installer). INT8 shrinks the file itself about 3.5-4x.
"""

from __future__ import annotations

from .cluster import (
    ClusteredLayer,
    WeightClusters,
    cluster_weights,
    distinct_per_channel,
    kmeans_1d,
)
from .prune import (
    GradualPruner,
    choose_sparsity,
    global_magnitude_sparsity,
    layer_sensitivity,
    layer_sparsity,
    make_permanent,
    overall_sparsity,
    prune_magnitude,
    sparsity_at,
    weight_layers,
)
from .quantize import (
    compare_onnx,
    compressed_bytes,
    copy_metadata,
    model_bytes,
    quantize_onnx_int8,
)

__all__ = [
    "ClusteredLayer",
    "GradualPruner",
    "WeightClusters",
    "choose_sparsity",
    "cluster_weights",
    "compare_onnx",
    "compressed_bytes",
    "copy_metadata",
    "distinct_per_channel",
    "global_magnitude_sparsity",
    "kmeans_1d",
    "layer_sensitivity",
    "layer_sparsity",
    "make_permanent",
    "model_bytes",
    "overall_sparsity",
    "prune_magnitude",
    "quantize_onnx_int8",
    "sparsity_at",
    "weight_layers",
]
