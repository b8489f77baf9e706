"""Weight-only INT8: store a model's large weight matrices as int8 with one scale per
output channel, dequantised inside the graph (``DequantizeLinear``).

Unlike static INT8 (:mod:`tutor.train.quantize`) nothing is calibrated and activations stay
float, so the scores move only by the weights' rounding while the file shrinks about four
times. Works on any exported model of ours: the Conv stacks of the acoustic model and the
MatMul/Gemm layers of the scoring head alike; metadata is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .onnx_meta import update_metadata

MIN_ELEMENTS = 1024  # smaller tensors (biases, norms) stay float: they cost nothing


def weight_axes(graph: onnx.GraphProto) -> dict[str, int]:
    """Initializer name -> its output-channel axis, for the weights of Conv, MatMul, Gemm."""
    axes: dict[str, int] = {}
    for node in graph.node:
        if len(node.input) < 2:
            continue
        name = node.input[1]
        if node.op_type == "Conv":
            axes[name] = 0
        elif node.op_type == "MatMul":
            axes[name] = -1
        elif node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            axes[name] = 0 if trans_b else 1
    return axes


def quantize_weights_int8(src: Path, out: Path) -> Path:
    """Write ``src`` with its weights as int8 + per-channel scales to ``out``."""
    model = onnx.load(str(src))
    graph = model.graph
    axes = weight_axes(graph)
    kept, nodes = [], []
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        axis = axes.get(init.name)
        if axis is None or w.dtype != np.float32 or w.size < MIN_ELEMENTS or w.ndim < 2:
            kept.append(init)
            continue
        axis = axis % w.ndim
        reduce = tuple(d for d in range(w.ndim) if d != axis)
        scale = np.maximum(np.abs(w).max(axis=reduce), 1e-12) / 127.0
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        kept.append(numpy_helper.from_array(q, init.name + "_int8"))
        kept.append(numpy_helper.from_array(scale.astype(np.float32), init.name + "_scale"))
        zero = np.zeros_like(scale, dtype=np.int8)
        kept.append(numpy_helper.from_array(zero, init.name + "_zero"))
        nodes.append(
            helper.make_node(
                "DequantizeLinear",
                [init.name + "_int8", init.name + "_scale", init.name + "_zero"],
                [init.name],
                axis=axis,
                name=init.name + "_dequantize",
            )
        )
    del graph.initializer[:]
    graph.initializer.extend(kept)
    old = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + old)
    onnx.checker.check_model(model)
    update_metadata(model, {"weights": "int8 per output channel (weight-only)"})
    onnx.save(model, str(out))
    return out
