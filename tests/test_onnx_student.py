"""A shipped acoustic model read back as a trainable student (fine-tunes on a fresh machine)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch")

from tutor.scoring.features import FeatureConfig  # noqa: E402
from tutor.train.distil_examples import Example  # noqa: E402
from tutor.train.export import export_acoustic  # noqa: E402
from tutor.train.models import ConvNetConfig, ConvPhoneNet  # noqa: E402
from tutor.train.onnx_student import start_weights, started_from, student_from_onnx  # noqa: E402
from tutor.train.weight_int8 import quantize_weights_int8  # noqa: E402

CONFIG = ConvNetConfig(channels=48, blocks=2, dropout=0.0, spectral_front=4)


def _trained_looking(config: ConvNetConfig) -> ConvPhoneNet:
    """A net whose norms hold statistics and scales that are not the identity, as a trained
    one's do (the folding then changes the convolutions' weights)."""
    torch.manual_seed(0)
    net = ConvPhoneNet(config)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return net.eval()


def _export(net: ConvPhoneNet, path: Path) -> Path:
    settings = json.dumps({"student": net.config.to_dict()})
    return export_acoustic(net, path, FeatureConfig(), {"version": "t", "settings": settings})


def _onnx_log_probs(path: Path, x: torch.Tensor) -> np.ndarray:
    """The file's log posteriors for one take (the export's batch axis holds one)."""
    return ort.InferenceSession(str(path)).run(None, {"features": x.numpy()})[0]


@pytest.mark.parametrize("int8", [False, True])
def test_the_read_back_student_computes_what_the_file_computes(tmp_path: Path, int8: bool) -> None:
    path = _export(_trained_looking(CONFIG), tmp_path / "acoustic.onnx")
    if int8:
        path = quantize_weights_int8(path, tmp_path / "int8.onnx")
    x = torch.randn(3, 120, 40, generator=torch.Generator().manual_seed(1))
    net = student_from_onnx(path, [x])
    with torch.no_grad():
        ours = torch.log_softmax(net(x[:1]), dim=-1).numpy()
    assert np.abs(ours - _onnx_log_probs(path, x[:1])).max() < 1e-4


def test_training_mode_keeps_the_function_on_the_batches_it_was_measured_on(
    tmp_path: Path,
) -> None:
    # a norm in training mode divides by its batch's statistics: the split chosen on read
    # undoes exactly that on the batch it was measured on, so a fine-tune starts where the
    # shipped model is, not from a jolt
    path = _export(_trained_looking(CONFIG), tmp_path / "acoustic.onnx")
    x = torch.randn(4, 150, 40, generator=torch.Generator().manual_seed(2))
    net = student_from_onnx(path, [x])
    with torch.no_grad():
        shipped = torch.log_softmax(net.eval()(x), dim=-1)
        training = torch.log_softmax(net.train()(x), dim=-1)
    assert torch.allclose(training, shipped, atol=1e-3)
    # without the measured split (norms at their defaults) training mode computes otherwise
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            m.reset_parameters()
    with torch.no_grad():
        assert not torch.allclose(torch.log_softmax(net.train()(x), dim=-1), shipped, atol=1e-2)


def _examples(n: int) -> list[Example]:
    rng = np.random.default_rng(3)
    out = []
    for k in range(n):
        frames = 80 + 10 * k
        feats = rng.normal(size=(frames, 40)).astype(np.float32)
        out.append(
            Example(
                feats=feats,
                labels=np.zeros((frames + 1) // 2, dtype=np.int64),
                teacher=np.zeros(((frames + 1) // 2, 40), dtype=np.float32),
                samples=np.zeros(frames * 160, dtype=np.float32),
            )  # fmt: skip
        )
    return out


def test_a_fine_tune_starts_from_an_onnx_or_a_checkpoint(tmp_path: Path) -> None:
    net = _trained_looking(CONFIG)
    path = _export(net, tmp_path / "acoustic.onnx")
    state = start_weights(path, CONFIG, _examples(6))
    again = ConvPhoneNet(CONFIG)
    again.load_state_dict(state)
    x = torch.randn(1, 90, 40)
    with torch.no_grad():
        assert torch.allclose(again.eval()(x), net(x), atol=1e-4)
    assert started_from(path) == f"{path} (t)"  # the version: the shipped file gets replaced
    torch.save({"model": net.state_dict()}, tmp_path / "ckpt.pt")
    from_ckpt = start_weights(tmp_path / "ckpt.pt", CONFIG, [])
    assert all(torch.equal(from_ckpt[k], v) for k, v in net.state_dict().items())


def test_a_student_of_another_shape_is_refused_by_name(tmp_path: Path) -> None:
    path = _export(_trained_looking(CONFIG), tmp_path / "acoustic.onnx")
    wider = ConvNetConfig(channels=64, blocks=2, dropout=0.1, spectral_front=4)
    with pytest.raises(ValueError, match="48 x 2 student"):
        start_weights(path, wider, _examples(2))
    bare = export_acoustic(_trained_looking(CONFIG), tmp_path / "bare.onnx", FeatureConfig(), {})
    with pytest.raises(ValueError, match="no student settings"):
        start_weights(bare, CONFIG, _examples(2))
