"""Weight-only INT8 of the shipped models and the phone-knee choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tutor.train.phone_knee import choose_knee, raise_knee, refine_knee
from tutor.train.weight_int8 import quantize_weights_int8


def test_int8_weights_shrink_an_acoustic_model_and_keep_its_posteriors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from tutor.scoring.features import FeatureConfig
    from tutor.scoring.model import AcousticModel
    from tutor.train.export import export_acoustic
    from tutor.train.models import ConvNetConfig, ConvPhoneNet

    torch.manual_seed(0)
    net = ConvPhoneNet(ConvNetConfig(channels=64, blocks=2, dropout=0.0)).eval()
    src = export_acoustic(net, tmp_path / "float.onnx", FeatureConfig(), {"version": "t"})
    out = quantize_weights_int8(src, tmp_path / "int8.onnx")
    assert out.stat().st_size < 0.5 * src.stat().st_size
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert (
        meta["contract"] == {p.key: p.value for p in onnx.load(str(src)).metadata_props}["contract"]
    )
    assert "int8" in meta["weights"]
    feats = np.random.default_rng(0).standard_normal((300, 40)).astype(np.float32)
    a = AcousticModel.load(src).log_posteriors(feats)
    b = AcousticModel.load(out).log_posteriors(feats)
    assert a.shape == b.shape
    assert np.abs(np.exp(a) - np.exp(b)).max() < 0.05
    assert (a.argmax(1) == b.argmax(1)).mean() > 0.95


def test_int8_weights_pick_the_output_axis_of_matmul_and_gemm(tmp_path: Path) -> None:
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((32, 48)).astype(np.float32)
    w1[:, 0] *= 100  # one loud output channel: a per-tensor scale would crush the rest
    w2 = rng.standard_normal((16, 48)).astype(np.float32)  # Gemm with transB: (out, in)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]),
         helper.make_node("Gemm", ["h", "w2"], ["y"], transB=1)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 32])],
        [helper.make_tensor_value_info("h", TensorProto.FLOAT, [4, 48]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 16])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(tmp_path / "f.onnx"))
    quantize_weights_int8(tmp_path / "f.onnx", tmp_path / "q.onnx")
    x = rng.standard_normal((4, 32)).astype(np.float32)
    outputs = []
    for path in ("f.onnx", "q.onnx"):
        sess = ort.InferenceSession(str(tmp_path / path), providers=["CPUExecutionProvider"])
        outputs.append(sess.run(None, {"x": x}))
    (h, y), (hq, yq) = outputs
    np.testing.assert_allclose(h, x @ w1, rtol=1e-4, atol=1e-3)
    quiet = np.abs(hq[:, 1:] - h[:, 1:]).max() / np.abs(h[:, 1:]).max()
    assert quiet < 0.02  # the quiet channels keep their own scale
    assert np.abs(yq - y).max() / np.abs(y).max() < 0.02


def test_the_knee_keeps_false_alarms_under_the_ceiling() -> None:
    rng = np.random.default_rng(0)
    untouched = rng.uniform(1.0, 2.0, 1000)
    swapped = rng.uniform(0.0, 1.6, 100)
    knee = choose_knee(swapped, untouched, 0.03)
    assert knee.false_alarms <= 0.03
    assert (untouched < knee.knee + 0.02).mean() > 0.02  # the highest such line, nearly
    assert knee.caught == pytest.approx((swapped < knee.knee).mean())
    with pytest.raises(ValueError):
        choose_knee(np.array([]), untouched, 0.03)


def test_the_knee_is_lowered_when_the_calibrated_scores_still_alarm_too_often() -> None:
    calibrated = np.concatenate([np.full(95, 1.9), np.full(5, 1.45)])  # 5 % under the line
    lower = refine_knee(1.25, calibrated, 0.03)
    assert lower < 1.25
    assert lower == pytest.approx(1.45 * 1.25 / 1.5, abs=0.011)
    assert refine_knee(1.25, np.full(100, 1.9), 0.03) == 1.25  # already under the ceiling


def test_the_knee_refit_keeps_lowering_until_the_ceiling_and_says_when_it_cannot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tutor.train import phone_knee

    applied: list[float] = []

    def raw_scores(scorer: object, utts: object) -> tuple[np.ndarray, np.ndarray]:
        under = 5 if applied[-1] > 1.2 + 1e-9 else 2  # % of untouched phones under 1.5
        untouched = np.concatenate([np.full(100 - under, 1.9), np.full(under, 1.49)])
        return np.full(10, 1.0), untouched

    monkeypatch.setattr(phone_knee, "raw_scores", raw_scores)
    monkeypatch.setattr(phone_knee.Scorer, "load", lambda *a, **k: None)
    # each round lowers the knee by about 0.01: five rounds from 1.25 to reach 1.20
    knee = phone_knee.refined_knee(1.25, applied.append, Path, [], 0.03)
    assert knee.knee == pytest.approx(1.2) and knee.false_alarms == pytest.approx(0.02)
    assert "did not bring" not in capsys.readouterr().err
    applied.clear()
    short = phone_knee.refined_knee(1.25, applied.append, Path, [], 0.03, rounds=2)
    assert short.false_alarms == pytest.approx(0.05)
    assert "did not bring the false alarms under 3%" in capsys.readouterr().err


def test_the_knee_refit_follows_the_false_alarms_line_where_the_step_is_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tutor.train import phone_knee

    applied: list[float] = []

    def raw_scores(scorer: object, utts: object) -> tuple[np.ndarray, np.ndarray]:
        # the amber cap keeps every calibrated alarm at 1.49: the calibrated step moves the
        # knee 0.01 a round, while the false alarms fall 0.02 per unit of knee (3 % at 1.0)
        under = round((0.01 + 0.02 * applied[-1]) * 10_000)
        untouched = np.concatenate([np.full(10_000 - under, 1.9), np.full(under, 1.49)])
        return np.full(10, 1.0), untouched

    monkeypatch.setattr(phone_knee, "raw_scores", raw_scores)
    monkeypatch.setattr(phone_knee.Scorer, "load", lambda *a, **k: None)
    knee = phone_knee.refined_knee(1.48, applied.append, Path, [], 0.03)
    assert knee.knee == pytest.approx(1.0) and knee.false_alarms <= 0.03
    assert applied[-1] == pytest.approx(1.0)  # the head is left with the knee returned
    assert len(applied) <= 6  # the steps alone would take 48 rounds


def test_a_knee_that_leaves_false_alarms_unspent_is_raised() -> None:
    calibrated = np.concatenate([np.full(98, 1.7), np.full(2, 1.45)])  # 2 % under the line
    higher = raise_knee(1.0, calibrated, 0.03)
    assert higher == pytest.approx(1.0 + 0.2 * 1.0 / 0.5, abs=0.011)  # 1.7 came from 1.4
    assert raise_knee(1.0, np.full(100, 1.45), 0.03) == 1.0  # over the ceiling: not raised
    assert raise_knee(1.9, np.full(100, 1.99), 0.03) <= 1.95
    assert raise_knee(1.0, np.full(100, 1.5), 0.03) == 1.01  # at least a step up


def test_the_knee_refit_raises_a_knee_under_the_ceiling_to_the_highest_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tutor.train import phone_knee

    applied: list[float] = []

    def raw_scores(scorer: object, utts: object) -> tuple[np.ndarray, np.ndarray]:
        under = round((0.01 + 0.02 * applied[-1]) * 10_000)  # 3 % at a knee of 1.0
        untouched = np.concatenate([np.full(10_000 - under, 1.9), np.full(under, 1.49)])
        return np.full(10, 1.0), untouched

    monkeypatch.setattr(phone_knee, "raw_scores", raw_scores)
    monkeypatch.setattr(phone_knee.Scorer, "load", lambda *a, **k: None)
    knee = phone_knee.refined_knee(0.8, applied.append, Path, [], 0.03)  # 2.6 % at 0.8
    assert knee.knee == pytest.approx(1.0) and knee.false_alarms <= 0.03
    assert applied[-1] == pytest.approx(1.0)
    assert len(applied) <= 6
