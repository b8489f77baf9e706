"""Compression stage: pruning, k-means weight clustering, INT8 quantisation (tutor.train)."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from torch import nn  # noqa: E402

from tutor.scoring.phones import PHONE_SET  # noqa: E402
from tutor.train.compress import (  # noqa: E402
    GradualPruner,
    choose_sparsity,
    cluster_weights,
    compare_onnx,
    compressed_bytes,
    distinct_per_channel,
    global_magnitude_sparsity,
    kmeans_1d,
    layer_sensitivity,
    layer_sparsity,
    make_permanent,
    model_bytes,
    overall_sparsity,
    prune_magnitude,
    quantize_onnx_int8,
    sparsity_at,
)

N_MELS = 40
N_CLASSES = len(PHONE_SET)
LAYERS = ("front", "depthwise", "pointwise", "out")
# Mean KL(float || int8) per frame, in nats. By Pinsker and Jensen, the posterior mass moved
# on an average frame is at most sqrt(KL / 2) ~ 0.07 at this bound: small next to the
# differences GOP scoring relies on. The measured value is ~1e-4, so the bound has margin.
MAX_INT8_KL = 0.01


class TinyNet(nn.Module):
    """Conv front end, depthwise + pointwise residual block, Linear output (like the lead's)."""

    def __init__(self, channels: int = 128) -> None:
        super().__init__()
        c = channels
        self.front = nn.Conv1d(N_MELS, c, 5, padding=2)
        self.norm0 = nn.BatchNorm1d(c)
        self.depthwise = nn.Conv1d(c, c, 5, padding=4, dilation=2, groups=c)
        self.pointwise = nn.Conv1d(c, c, 1)
        self.norm1 = nn.BatchNorm1d(c)
        self.out = nn.Linear(c, N_CLASSES)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.norm0(self.front(feats.transpose(1, 2))))
        h = h + torch.relu(self.norm1(self.pointwise(self.depthwise(h))))
        return self.out(h.transpose(1, 2))


class Synthetic:
    """Random-but-structured "speech": segments of 8 frames, each a noisy class template."""

    def __init__(self, seed: int = 0) -> None:
        # the same classes for every seed; the seed picks the utterances
        self.templates = (
            torch.randn(N_CLASSES, N_MELS, generator=torch.Generator().manual_seed(1234)) * 0.45
        )
        self.gen = torch.Generator().manual_seed(seed)

    def batch(self, n: int, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
        segments = torch.randint(0, N_CLASSES, (n, frames // 8 + 1), generator=self.gen)
        labels = segments.repeat_interleave(8, dim=1)[:, :frames]
        feats = self.templates[labels] + torch.randn(n, frames, N_MELS, generator=self.gen)
        return feats, labels

    def feeds(self, lengths: tuple[int, ...]) -> list[dict[str, np.ndarray]]:
        return [{"features": self.batch(1, f)[0].numpy()} for f in lengths]


def train_steps(
    net: nn.Module,
    data: Synthetic,
    steps: int,
    optimizer: torch.optim.Optimizer | None = None,
    hook=None,
) -> float:
    net.train()
    opt = optimizer or torch.optim.Adam(net.parameters(), lr=3e-3)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        feats, labels = data.batch(16, 64)
        loss = nn.functional.cross_entropy(net(feats).reshape(-1, N_CLASSES), labels.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if hook is not None:
            hook()
    net.eval()
    return float(loss.detach())


METADATA = {
    "contract": "tutor-acoustic-1",
    "phone_set": json.dumps(list(PHONE_SET)),
    "features": json.dumps({"n_mels": N_MELS, "frame_shift_ms": 10}),
    "version": "test-1",
    "metrics": json.dumps({"valid_frame_accuracy": 0.9}),
}


def export(net: nn.Module, path: Path) -> Path:
    """The acoustic export in miniature: dynamic frame axis, metadata attached."""
    with warnings.catch_warnings():  # the TorchScript exporter announces its own deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net.eval(),
            (torch.zeros(1, 50, N_MELS),),
            str(path),
            input_names=["features"],
            output_names=["logits"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={"features": {1: "frames"}, "logits": {1: "frames"}},
        )
    model = onnx.load(str(path))
    for key, value in METADATA.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))
    return path


def run_onnx(path: Path, feats: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"features": feats})[0]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """The CI box shares two cores; several threads per small op are far slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained() -> TinyNet:
    torch.manual_seed(0)
    net = TinyNet(128)
    train_steps(net, Synthetic(seed=1), 60)
    return net


@pytest.fixture(scope="module")
def fp32_onnx(trained: TinyNet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(trained, tmp_path_factory.mktemp("fp32") / "acoustic.onnx")


def fresh(channels: int = 32, seed: int = 0) -> TinyNet:
    torch.manual_seed(seed)
    return TinyNet(channels).eval()


# ---- pruning -------------------------------------------------------------------------------


def test_prune_reaches_requested_sparsity_per_layer():
    net = fresh(64)
    before = {n: getattr(net, n).weight.detach().clone() for n in LAYERS}
    wanted = {"front": 0.3, "point*": 0.8, "out": 0.55}
    achieved = prune_magnitude(net, wanted)
    assert achieved.keys() == {"front", "pointwise", "out"}
    for name, s in {"front": 0.3, "pointwise": 0.8, "out": 0.55}.items():
        assert abs(achieved[name] - s) <= 0.01
        assert abs(layer_sparsity(net)[name] - s) <= 0.01
        kept = net.get_submodule(name).weight != 0
        w = before[name].abs()
        assert w[~kept].max() <= w[kept].min()  # the smallest magnitudes went
    assert layer_sparsity(net)["depthwise"] == 0.0
    assert torch.equal(net.depthwise.weight, before["depthwise"])


def test_prune_one_value_for_all_layers_with_skip():
    net = fresh()
    achieved = prune_magnitude(net, 0.6, skip=("depthwise",))
    assert set(achieved) == {"front", "pointwise", "out"}
    assert all(abs(s - 0.6) <= 0.01 for s in achieved.values())
    assert layer_sparsity(net)["depthwise"] == 0.0


def test_prune_rejects_bad_requests():
    net = fresh()
    with pytest.raises(ValueError, match="in \\[0, 1\\)"):
        prune_magnitude(net, 1.0)
    with pytest.raises(ValueError, match="in \\[0, 1\\)"):
        prune_magnitude(net, {"out": -0.1})
    with pytest.raises(ValueError, match="'outt' matches no prunable layer"):
        prune_magnitude(net, {"outt": 0.5})


def test_masks_only_grow_and_survive_fine_tuning():
    net = fresh()
    data = Synthetic()
    prune_magnitude(net, 0.5)
    mask = net.pointwise.weight_mask.clone()
    # a lower target keeps the mask; training with weight decay cannot revive pruned weights
    prune_magnitude(net, 0.3)
    assert torch.equal(net.pointwise.weight_mask, mask)
    train_steps(
        net, data, 3, torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    )
    assert torch.all(net.pointwise.weight[mask == 0] == 0)
    achieved = prune_magnitude(net, 0.75)
    assert abs(achieved["pointwise"] - 0.75) <= 0.01
    assert torch.all(net.pointwise.weight_mask[mask == 0] == 0)  # old zeros stay pruned


def test_make_permanent_gives_a_plain_model():
    net = fresh()
    prune_magnitude(net, 0.7)
    feats = Synthetic().batch(2, 40)[0]
    with torch.no_grad():
        expected = net(feats)
    assert sorted(make_permanent(net)) == sorted(LAYERS)
    assert set(net.state_dict()) == set(fresh().state_dict())
    assert not any(hasattr(m, "weight_orig") for m in net.modules())
    assert abs(overall_sparsity(net) - 0.7) <= 0.01
    with torch.no_grad():
        assert torch.equal(net(feats), expected)


def test_pruned_checkpoint_loads_into_a_fresh_model():
    """Resuming fine-tuning: reparametrise the fresh model (sparsity 0), then load."""
    net = fresh()
    prune_magnitude(net, 0.6)
    resumed = fresh(seed=1)
    prune_magnitude(resumed, 0.0)
    resumed.load_state_dict(net.state_dict())
    assert torch.equal(resumed.pointwise.weight_mask, net.pointwise.weight_mask)
    assert abs(prune_magnitude(resumed, 0.6)["out"] - 0.6) <= 0.01
    assert torch.equal(resumed.out.weight_mask, net.out.weight_mask)


def test_cubic_schedule():
    assert sparsity_at(0, 100, 0.8) == 0.0
    assert sparsity_at(100, 100, 0.8) == pytest.approx(0.8)
    assert sparsity_at(500, 100, 0.8) == pytest.approx(0.8)
    assert sparsity_at(50, 100, 0.8) == pytest.approx(0.8 * (1 - 0.5**3))
    assert sparsity_at(20, 100, 0.8, initial=0.2, start=20) == pytest.approx(0.2)
    values = [sparsity_at(t, 100, 0.9) for t in range(101)]
    steps = np.diff(values)
    assert np.all(steps >= 0) and steps[0] > steps[-1]  # fast early, slow late
    with pytest.raises(ValueError):
        sparsity_at(1, 0, 0.5)


def test_gradual_pruner_follows_schedule_while_training():
    net = fresh()
    pruner = GradualPruner(net, {"pointwise": 0.8, "out": 0.5}, total_steps=12, every=4)
    history: list[dict[str, float]] = []

    def after_step() -> None:
        update = pruner.step()
        if update is not None:
            history.append(update)
        # between updates the masks hold: the layer is at least as sparse as last time
        if history:
            assert layer_sparsity(net)["pointwise"] >= history[-1]["pointwise"] - 1e-9

    train_steps(net, Synthetic(), 14, hook=after_step)
    assert len(history) == 3  # steps 4, 8, 12
    pw = [h["pointwise"] for h in history]
    assert pw == sorted(pw)
    assert pw[0] == pytest.approx(sparsity_at(4, 12, 0.8), abs=0.01)
    assert abs(layer_sparsity(net)["pointwise"] - 0.8) <= 0.01
    assert abs(layer_sparsity(net)["out"] - 0.5) <= 0.01
    assert layer_sparsity(net)["front"] == 0.0


def test_global_threshold_and_sensitivity_choose_per_layer_sparsity():
    net = fresh(48)
    with torch.no_grad():
        net.out.weight.mul_(0.1)  # a layer of small weights is pruned harder
    chosen = global_magnitude_sparsity(net, 0.5, max_layer=0.99)
    total = sum(getattr(net, n).weight.numel() for n in LAYERS)
    mean = sum(chosen[n] * getattr(net, n).weight.numel() for n in LAYERS) / total
    assert mean == pytest.approx(0.5, abs=0.01)
    assert chosen["out"] > 0.9 > chosen["front"]
    assert max(global_magnitude_sparsity(net, 0.5, max_layer=0.8).values()) <= 0.8

    feats = Synthetic().batch(2, 48)[0]
    with torch.no_grad():
        reference = net(feats).argmax(-1)

    def agreement(model: nn.Module) -> float:
        with torch.no_grad():
            return float((model(feats).argmax(-1) == reference).float().mean())

    state = copy.deepcopy(net.state_dict())
    curves = layer_sensitivity(net, agreement, (0.2, 0.5, 0.95), skip=("depthwise",))
    assert set(curves) == {"front", "pointwise", "out"}
    assert all(torch.equal(v, state[k]) for k, v in net.state_dict().items())  # untouched
    assert all(curve[0.95] <= curve[0.2] for curve in curves.values())
    picked = choose_sparsity(curves, baseline=1.0, max_drop=0.05)
    assert picked.keys() == curves.keys()
    assert all(s == 0.0 or curves[n][s] >= 0.95 for n, s in picked.items())
    # the highest level within tolerance at that level and all below it
    curve = {0.3: 0.99, 0.6: 0.8, 0.9: 0.98}
    assert choose_sparsity({"a": curve}, 1.0, 0.05) == {"a": 0.3}
    assert choose_sparsity({"a": curve}, 1.0, 0.25) == {"a": 0.9}
    assert choose_sparsity({"a": curve}, 1.0, 0.001) == {"a": 0.0}
    assert choose_sparsity({"a": {0.5: 0.3}}, 0.2, 0.15, higher_is_better=False) == {"a": 0.5}


# ---- clustering ----------------------------------------------------------------------------


def test_kmeans_1d_is_a_deterministic_lloyd_fixed_point():
    gen = torch.Generator().manual_seed(3)
    values = torch.randn(6, 300, generator=gen, dtype=torch.float64)
    values[1, :50] = 0
    valid = values != 0
    centroids, assign = kmeans_1d(values, 8, valid=valid)
    again, assign_again = kmeans_1d(values, 8, valid=valid)
    assert torch.equal(centroids, again) and torch.equal(assign, assign_again)
    assert torch.all(assign[~valid] == -1) and torch.all(assign[valid] >= 0)
    for r in range(values.shape[0]):
        v, a, c = values[r][valid[r]], assign[r][valid[r]], centroids[r]
        assert torch.equal(torch.bincount(a, minlength=8) > 0, torch.ones(8, dtype=torch.bool))
        nearest = (v[:, None] - c[None, :]).abs().argmin(1)
        assert torch.equal(nearest, a)  # every value sits in its nearest cluster
        means = torch.stack([v[a == j].mean() for j in range(8)])
        assert torch.allclose(means, c)  # every centroid is its members' mean


def test_kmeans_1d_keeps_rows_with_few_values_exact():
    values = torch.tensor([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, 0.5, 0.5]])
    centroids, assign = kmeans_1d(values, 4)
    snapped = centroids.gather(1, assign)
    assert torch.equal(snapped, values.double())


def test_cluster_weights_limits_values_per_channel_and_keeps_zeros():
    net = fresh(64)
    prune_magnitude(net, {"front": 0.4, "pointwise": 0.6})
    make_permanent(net)
    before = {n: getattr(net, n).weight.detach().clone() for n in LAYERS}
    k = 8
    clusters = cluster_weights(net, k)
    for name in LAYERS:
        w0, w1 = before[name], getattr(net, name).weight.detach()
        assert torch.equal(w1 == 0, w0 == 0), name  # zeros kept, no new zeros
        n0, n1 = distinct_per_channel(w0), distinct_per_channel(w1)
        # at most k values; exactly k (zero counting as one) where there were at least k
        assert torch.equal(n1, n0.clamp(max=k)), name
    assert distinct_per_channel(before["depthwise"]).max() == 5  # kernel 5 < k: unchanged
    assert torch.equal(net.depthwise.weight, before["depthwise"])
    assert clusters.max_distinct() == {"front": k, "depthwise": 5, "pointwise": k, "out": k}
    assert 0 < clusters.layers["pointwise"].relative_error < 0.2


def test_cluster_weights_options():
    net = fresh()
    clusters = cluster_weights(net, {"out": 4, "front": 16}, per_channel=False)
    assert set(clusters.layers) == {"out", "front"}
    assert int(net.out.weight.unique().numel()) == 4
    assert int(net.front.weight.unique().numel()) == 16
    with pytest.raises(ValueError, match="integer >= 2"):
        cluster_weights(fresh(), 1)
    with pytest.raises(ValueError, match="matches no prunable layer"):
        cluster_weights(fresh(), {"nothing": 4})


def test_clustering_and_pruning_kept_while_fine_tuning():
    net = fresh()
    prune_magnitude(net, 0.5, skip=("depthwise",))  # masks still attached (not permanent)
    clusters = cluster_weights(net, 6)
    mask = net.pointwise.weight_mask.clone()
    values_before = net.pointwise.weight.detach().clone()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    handle = clusters.attach(opt)
    train_steps(net, Synthetic(), 4, optimizer=opt)
    handle.remove()
    w = net.pointwise.weight.detach()
    assert not torch.equal(w, values_before)  # the centroids learned
    assert torch.all(w[mask == 0] == 0)
    assert int(distinct_per_channel(w).max()) <= 6
    assert clusters.max_distinct()["front"] <= 6
    make_permanent(net)
    assert int(distinct_per_channel(net.out.weight).max()) <= 6


def test_pruned_clustered_model_exports_to_onnx(tmp_path: Path):
    data = Synthetic(seed=2)
    dense = fresh(64)
    train_steps(dense, data, 3)
    net = copy.deepcopy(dense)
    prune_magnitude(net, 0.7, skip=("depthwise",))
    cluster_weights(net, 16)
    make_permanent(net)
    path = export(net, tmp_path / "small.onnx")
    feats = data.batch(1, 77)[0]
    with torch.no_grad():
        expected = net(feats).numpy()
    np.testing.assert_allclose(run_onnx(path, feats.numpy()), expected, atol=1e-4, rtol=1e-4)
    # the zeros reach the file (BatchNorm folding scales channels, zeros stay zeros) ...
    weights = [onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer]
    big = np.concatenate([w.ravel() for w in weights if w.ndim >= 2 and w.size >= 1024])
    assert np.mean(big == 0) == pytest.approx(0.7, abs=0.02)
    # ... and make it compress far better than the dense model
    dense_path = export(dense, tmp_path / "dense.onnx")
    assert model_bytes(path) == pytest.approx(model_bytes(dense_path), rel=0.01)
    assert compressed_bytes(path) < 0.5 * compressed_bytes(dense_path)


# ---- INT8 ----------------------------------------------------------------------------------


def test_int8_stays_close_to_float_and_keeps_metadata(fp32_onnx: Path, tmp_path: Path):
    data = Synthetic(seed=5)
    out = quantize_onnx_int8(fp32_onnx, tmp_path / "int8.onnx", data.feeds((40, 96, 160, 64)))
    # frame counts never seen in calibration: the time axis stays dynamic
    stats = compare_onnx(fp32_onnx, out, data.feeds((33, 101, 250)))
    assert stats["frames"] == 33 + 101 + 250
    assert stats["top1_agreement"] >= 0.95
    assert stats["mean_kl"] < MAX_INT8_KL
    assert stats["max_abs_diff"] > 0  # it really was quantised
    model = onnx.load(str(out))
    meta = {p.key: p.value for p in model.metadata_props}
    assert {k: meta[k] for k in METADATA} == METADATA
    assert json.loads(meta["quantization"])["calibration_feeds"] == 4
    frames = model.graph.input[0].type.tensor_type.shape.dim[1]
    assert frames.dim_param and not frames.HasField("dim_value")
    assert any(n.op_type == "DequantizeLinear" for n in model.graph.node)


def test_int8_file_is_at_least_3_5x_smaller(tmp_path: Path):
    net = fresh(384)  # enough weights that per-channel scales and int32 biases are noise
    fp32 = export(net, tmp_path / "big.onnx")
    calibration = Synthetic().feeds((64, 80))
    int8 = quantize_onnx_int8(fp32, tmp_path / "big-int8.onnx", calibration)
    assert model_bytes(fp32) / model_bytes(int8) >= 3.5
    float_bias = quantize_onnx_int8(fp32, tmp_path / "fb.onnx", calibration, quantize_bias=False)
    assert model_bytes(float_bias) < model_bytes(int8)
    partial = quantize_onnx_int8(fp32, tmp_path / "part.onnx", calibration, exclude_ops=["MatMul"])
    graph = onnx.load(str(partial)).graph
    matmul = next(n for n in graph.node if n.op_type == "MatMul")
    weight = next(t for t in graph.initializer if t.name == matmul.input[1])
    assert weight.data_type == onnx.TensorProto.FLOAT  # used as is, not dequantised
    assert model_bytes(int8) < model_bytes(partial) < model_bytes(fp32)


def test_full_pipeline_keeps_the_models_decisions(
    trained: TinyNet, fp32_onnx: Path, tmp_path: Path
):
    data = Synthetic(seed=7)
    net = copy.deepcopy(trained)
    prune_magnitude(net, 0.5, skip=("depthwise",))
    clusters = cluster_weights(net, 16)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    clusters.attach(opt)
    train_steps(net, data, 5, optimizer=opt)
    make_permanent(net)
    small = quantize_onnx_int8(
        export(net, tmp_path / "pc.onnx"), tmp_path / "pc-int8.onnx", data.feeds((64, 128))
    )
    feats, labels = data.batch(1, 400)

    def accuracy(path: Path) -> float:
        return float(np.mean(run_onnx(path, feats.numpy()).argmax(-1) == labels.numpy()))

    assert accuracy(fp32_onnx) > 0.9
    assert accuracy(small) >= accuracy(fp32_onnx) - 0.03  # 50% sparse, 16 values, int8
    stats = compare_onnx(fp32_onnx, small, {"features": feats.numpy()})
    assert stats["top1_agreement"] >= 0.9


def test_quantize_and_compare_reject_bad_input(fp32_onnx: Path, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="float ONNX model not found"):
        quantize_onnx_int8(tmp_path / "missing.onnx", tmp_path / "q.onnx", [])
    with pytest.raises(ValueError, match="calibration data is empty"):
        quantize_onnx_int8(fp32_onnx, tmp_path / "q.onnx", [])
    with pytest.raises(ValueError, match="needs \\['features'\\]"):
        quantize_onnx_int8(fp32_onnx, tmp_path / "q.onnx", [{"feats": np.zeros((1, 9, 40))}])
    with pytest.raises(ValueError, match="calibration method"):
        quantize_onnx_int8(fp32_onnx, tmp_path / "q.onnx", [{}], method="magic")
    same = compare_onnx(fp32_onnx, fp32_onnx, Synthetic().feeds((20,))[0])
    assert same == {"max_abs_diff": 0.0, "top1_agreement": 1.0, "mean_kl": 0.0, "frames": 20.0}
    assert model_bytes(fp32_onnx) == fp32_onnx.stat().st_size
