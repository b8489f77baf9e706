"""Blend two scoring heads into one ONNX graph: ``weight * A + (1 - weight) * B`` for every
output, with the same inputs, outputs and contract as a single head.

Used to ship the head trained on the experts' labels (A: agrees with their average) blended
with the head trained with confusable-phone negatives (B: catches substituted sounds, see
:mod:`tutor.train.head_negatives`); the weight is chosen on the validation slice with
``tutor bench --substitute`` (the model card lists the measured trade-off).

    python -m tutor.train.head_mix runs/h0/head.onnx runs/hn2/head.onnx --weight 0.6 \\
        --out assets/models/head.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import onnx
from onnx import helper, numpy_helper

from tutor.scoring.bands import PHONE_GOOD as GOOD
from tutor.scoring.model import HEAD_CONTRACT

from .export import set_metadata


def _prefixed(graph: onnx.GraphProto, prefix: str, keep: set[str]) -> onnx.GraphProto:
    """A copy of ``graph`` whose every name but the shared inputs carries ``prefix``."""
    g = onnx.GraphProto()
    g.CopyFrom(graph)

    def rename(name: str) -> str:
        return name if not name or name in keep else prefix + name

    for node in g.node:
        node.name = rename(node.name)
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
        for attr in node.attribute:
            if attr.g.node:  # a subgraph (e.g. If): its inner names are renamed too
                attr.g.CopyFrom(_prefixed(attr.g, prefix, keep))
    for init in g.initializer:
        init.name = rename(init.name)
    for value in [*g.value_info, *g.output]:
        value.name = rename(value.name)
    return g


KNEE_TENSORS = ("mix/low_slope", "mix/high_slope", "mix/high_at_0")


def _knee_tensors(knee: float) -> list[onnx.TensorProto]:
    """The calibration's slopes below and above ``knee`` and the upper line's intercept."""
    if not 0.0 < knee < 2.0:
        raise ValueError("the phone knee must lie between 0 and 2")
    low, high = GOOD / knee, (2.0 - GOOD) / (2.0 - knee)
    values = (low, high, GOOD - high * knee)
    return [
        helper.make_tensor(n, onnx.TensorProto.FLOAT, [], [v])
        for n, v in zip(KNEE_TENSORS, values, strict=True)
    ]


def knee_of(model: onnx.ModelProto) -> float:
    """The phone knee a blended head was calibrated with."""
    (low,) = (
        numpy_helper.to_array(t) for t in model.graph.initializer if t.name == KNEE_TENSORS[0]
    )
    return round(GOOD / float(low), 6)


def with_knee(model: onnx.ModelProto, knee: float) -> onnx.ModelProto:
    """A copy of a blended head whose phone score is calibrated at ``knee`` instead: the
    blend's raw score is the same, so a borrowed head can be re-calibrated for a new
    acoustic model without the two heads it was blended from."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    new = {t.name: t for t in _knee_tensors(knee)}
    kept = [t for t in out.graph.initializer if t.name not in new]
    if len(kept) != len(out.graph.initializer) - len(new):
        raise ValueError("not a blended head: it has no phone knee")
    del out.graph.initializer[:]
    out.graph.initializer.extend([*kept, *new.values()])
    return out


def blend(a_path: Path, b_path: Path, weight: float, phone_knee: float = GOOD) -> onnx.ModelProto:
    """The blend; the phone score then goes through a calibration that keeps 0 and 2 and
    moves ``phone_knee`` to the green line (1.5), linear on each side:
    ``min(score * 1.5 / knee, 1.5 + (score - knee) * 0.5 / (2 - knee))`` (concave for a
    knee under 1.5). A head whose scores run low on new speakers is lifted where it
    matters without squeezing its range, so red still means wrong."""
    a, b = onnx.load(str(a_path)), onnx.load(str(b_path))
    meta_a = {p.key: p.value for p in a.metadata_props}
    meta_b = {p.key: p.value for p in b.metadata_props}
    for key in ("contract", "phone_features", "utterance_features"):
        if meta_a.get(key) != meta_b.get(key):
            raise ValueError(f"the two heads differ in {key!r}: they cannot be blended")
    if meta_a.get("contract") != HEAD_CONTRACT:
        raise ValueError(f"{a_path} is not a scoring head ({meta_a.get('contract')!r})")
    inputs = {i.name for i in a.graph.input}
    ga, gb = _prefixed(a.graph, "a/", inputs), _prefixed(b.graph, "b/", inputs)
    nodes = [*ga.node, *gb.node]
    inits = [*ga.initializer, *gb.initializer,
             helper.make_tensor("mix/wa", onnx.TensorProto.FLOAT, [], [weight]),
             helper.make_tensor("mix/wb", onnx.TensorProto.FLOAT, [], [1.0 - weight])]  # fmt: skip
    inits += [
        *_knee_tensors(phone_knee),
        helper.make_tensor("mix/lo", onnx.TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("mix/hi", onnx.TensorProto.FLOAT, [], [2.0]),
    ]
    outputs = []
    for out in a.graph.output:
        name = out.name
        mixed = f"mix/{name}" if name == "phone_score" else name
        nodes += [
            helper.make_node("Mul", [f"a/{name}", "mix/wa"], [f"mix/a_{name}"]),
            helper.make_node("Mul", [f"b/{name}", "mix/wb"], [f"mix/b_{name}"]),
            helper.make_node("Add", [f"mix/a_{name}", f"mix/b_{name}"], [mixed]),
        ]
        if name == "phone_score":
            nodes += [
                helper.make_node("Mul", [mixed, "mix/low_slope"], ["mix/phone_low"]),
                helper.make_node("Mul", [mixed, "mix/high_slope"], ["mix/phone_high_0"]),
                helper.make_node("Add", ["mix/phone_high_0", "mix/high_at_0"], ["mix/phone_high"]),
                helper.make_node("Min", ["mix/phone_low", "mix/phone_high"], ["mix/phone_knee"]),
                helper.make_node("Clip", ["mix/phone_knee", "mix/lo", "mix/hi"], [name]),
            ]
        outputs.append(out)
    graph = helper.make_graph(
        nodes, "head_blend", list(a.graph.input), outputs, inits,
        value_info=[*ga.value_info, *gb.value_info],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=list(a.opset_import))
    model.ir_version = a.ir_version
    onnx.checker.check_model(model)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.head_mix")
    ap.add_argument("a", type=Path, help="head trained on the experts' labels")
    ap.add_argument("b", type=Path, help="head trained with confusable-phone negatives")
    ap.add_argument("--weight", type=float, required=True, help="share of head A (0..1)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--phone-knee",
        type=float,
        default=GOOD,
        metavar="KNEE",
        help="calibrate the phone score so that KNEE becomes the green line (1.5)",
    )
    ap.add_argument(
        "--confusion-line",
        type=float,
        metavar="NATS",
        help="a phone whose best confusable sound beats it by more than this is at best "
        "amber (tutor.train.margin_check --line chooses it)",
    )
    args = ap.parse_args(argv)
    if args.confusion_line is not None and not args.confusion_line > 0:
        print("error: --confusion-line must be positive", file=sys.stderr)
        return 2
    if not 0.0 <= args.weight <= 1.0:
        print("error: --weight must be between 0 and 1", file=sys.stderr)
        return 2
    try:
        model = blend(args.a, args.b, args.weight, args.phone_knee)
    except (OSError, ValueError, onnx.checker.ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta_a = {p.key: p.value for p in onnx.load(str(args.a)).metadata_props}
    meta_b = {p.key: p.value for p in onnx.load(str(args.b)).metadata_props}
    onnx.save(model, str(args.out))
    version = f"{meta_a.get('version', 'a')}x{args.weight:g}+{meta_b.get('version', 'b')}"
    set_metadata(
        args.out,
        {
            # a line belongs to the blend it was calibrated on: never inherited
            **{
                k: v
                for k, v in meta_a.items()
                if k not in ("version", "validation", "confusion_line")
            },  # fmt: skip
            "version": version,
            "blend": json.dumps(
                {
                    "a": meta_a.get("version"),
                    "b": meta_b.get("version"),
                    "weight_a": args.weight,
                    "b_negatives": meta_b.get("negatives"),
                }
            ),  # fmt: skip
            **(
                {"confusion_line": f"{args.confusion_line:g}"}
                if args.confusion_line is not None
                else {}
            ),  # fmt: skip
        },
    )
    print(f"{args.out}: {version} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
