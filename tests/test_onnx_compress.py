"""Data-free pruning and channel-wise k-means on an exported acoustic model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

torch = pytest.importorskip("torch")

from tutor.scoring.features import FeatureConfig  # noqa: E402
from tutor.scoring.model import AcousticModel  # noqa: E402
from tutor.scoring.phones import PHONE_SET  # noqa: E402
from tutor.train.export import export_acoustic  # noqa: E402
from tutor.train.models import ConvNetConfig, ConvPhoneNet, output_frames  # noqa: E402
from tutor.train.onnx_compress import cluster_channels, prune_global  # noqa: E402


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    net = ConvPhoneNet(ConvNetConfig(channels=64, blocks=2, dropout=0.0)).eval()
    return export_acoustic(net, tmp_path / "float.onnx", FeatureConfig(), {"version": "t"})


def _weights(path: Path) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def test_global_pruning_mixes_layer_sparsity_and_spares_depthwise(
    model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pruned.onnx"
    layers = prune_global(model, out, 0.5)
    before, after = _weights(model), _weights(out)
    assert layers and all(0.0 < s < 1.0 for s in layers.values())
    total = sum(after[n].size for n in layers)
    zeros = sum(int((after[n] == 0).sum()) for n in layers)
    assert zeros / total == pytest.approx(0.5, abs=0.01)
    untouched = [n for n in before if n not in layers]
    assert untouched and all(np.array_equal(before[n], after[n]) for n in untouched)
    kept = [n for n in layers if (after[n] != 0).any()]
    assert all(np.array_equal(after[n][after[n] != 0], before[n][after[n] != 0]) for n in kept)
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert "pruning" in meta["compression"] and meta["version"] == "t"
    feats = np.random.default_rng(0).standard_normal((120, 40)).astype(np.float32)
    assert AcousticModel.load(out).log_posteriors(feats).shape == (60, len(PHONE_SET))


def test_channel_kmeans_keeps_k_values_per_channel_and_zeros(model: Path, tmp_path: Path) -> None:
    pruned = tmp_path / "pruned.onnx"
    prune_global(model, pruned, 0.3)
    out = tmp_path / "clustered.onnx"
    distinct = cluster_channels(pruned, out, 8)
    assert distinct and max(distinct.values()) <= 8
    before, after = _weights(pruned), _weights(out)
    for name in distinct:
        assert np.array_equal(before[name] == 0, after[name] == 0)  # zeros stay, none added
        rows = after[name].reshape(after[name].shape[0], -1)
        assert all(len(np.unique(r)) <= 8 for r in rows)
        assert np.abs(after[name] - before[name]).max() < np.abs(before[name]).max()
    with pytest.raises(ValueError):
        cluster_channels(model, out, 1)
    with pytest.raises(ValueError):
        prune_global(model, out, 1.0)


def test_a_student_with_take_context_exports_and_hears_the_whole_take(tmp_path: Path) -> None:
    torch.manual_seed(0)
    config = ConvNetConfig(channels=32, blocks=2, dropout=0.0, context=True)
    net = ConvPhoneNet(config).eval()
    path = export_acoustic(net, tmp_path / "ctx.onnx", FeatureConfig(), {"version": "t"})
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((200, 40)).astype(np.float32)
    model = AcousticModel.load(path)
    whole = model.log_posteriors(feats)
    with torch.no_grad():
        ref = torch.log_softmax(net(torch.from_numpy(feats)[None]), -1)[0].numpy()
    assert np.allclose(whole, ref, atol=1e-4)  # any length: the mean is over the take
    # a frame's output depends on frames far outside the convolutions' reach
    changed = feats.copy()
    changed[150:] += 3.0
    assert not np.allclose(model.log_posteriors(changed)[:10], whole[:10], atol=1e-4)
    plain = ConvPhoneNet(ConvNetConfig(channels=32, blocks=2, dropout=0.0)).eval()
    with torch.no_grad():
        a = plain(torch.from_numpy(feats)[None])[0, :10]
        b = plain(torch.from_numpy(changed)[None])[0, :10]
    assert torch.allclose(a, b)  # without context it does not


@pytest.mark.parametrize("frames", [1, 2, 3, 57, 200])
def test_a_student_with_a_spectral_front_exports_with_the_runtime_frame_count(
    tmp_path: Path, frames: int
) -> None:
    torch.manual_seed(0)
    net = ConvPhoneNet(ConvNetConfig(channels=32, blocks=2, dropout=0.0, spectral_front=8)).eval()
    path = export_acoustic(net, tmp_path / "2d.onnx", FeatureConfig(), {"version": "t"})
    feats = np.random.default_rng(frames).standard_normal((frames, 40)).astype(np.float32)
    got = AcousticModel.load(path).log_posteriors(feats)
    assert got.shape == (output_frames(frames), len(PHONE_SET))
    with torch.no_grad():
        ref = torch.log_softmax(net(torch.from_numpy(feats)[None]), -1)[0].numpy()
    assert np.allclose(got, ref, atol=1e-4)
    # the front really is 2-D (filters that slide along the mel axis)
    assert any(isinstance(m, torch.nn.Conv2d) for m in net.modules())
