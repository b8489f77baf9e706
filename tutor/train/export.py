"""ONNX export with the metadata the runtime checks (see :mod:`tutor.scoring.model`)."""

from __future__ import annotations

import hashlib
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import onnx
import torch

from tutor.scoring.features import FeatureConfig
from tutor.scoring.model import ACOUSTIC_CONTRACT
from tutor.scoring.phones import PHONE_SET

from .models import ConvPhoneNet, LogSoftmaxWrapper
from .onnx_meta import update_metadata


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def file_hash(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


def set_metadata(path: Path, metadata: Mapping[str, object]) -> None:
    model = onnx.load(str(path))
    update_metadata(model, metadata)
    onnx.save(model, str(path))


def get_metadata(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


@contextmanager
def legacy_exporter() -> Iterator[None]:
    """We export with the TorchScript-based exporter on purpose (small, plain graphs with
    dynamic axes that onnxruntime's quantiser handles); silence its deprecation notice."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message="The feature will be removed")
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        yield


def export_acoustic(
    net: ConvPhoneNet, path: Path, features: FeatureConfig, metadata: Mapping[str, object]
) -> Path:
    """Export ``net`` (logits) as log posteriors with a dynamic frame axis."""
    wrapper = LogSoftmaxWrapper(net).eval()
    dummy = torch.zeros(1, 200, features.n_inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with legacy_exporter():
        torch.onnx.export(
            wrapper,
            (dummy,),
            str(path),
            input_names=["features"],
            output_names=["log_probs"],
            dynamic_axes={"features": {1: "frames"}, "log_probs": {1: "out_frames"}},
            opset_version=17,
            dynamo=False,
        )
    set_metadata(
        path,
        {
            "contract": ACOUSTIC_CONTRACT,
            "phone_set": list(PHONE_SET),
            "features": features.to_dict(),
            "subsampling": str(net.config.subsampling),
            "git_commit": git_commit(),
            **metadata,
        },
    )
    return path
