"""Noise-injection reparameterisation: the cut net is narrower and computes the same."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch")

from tutor.scoring.features import FeatureConfig  # noqa: E402
from tutor.scoring.phones import PHONE_SET  # noqa: E402
from tutor.train.distil_examples import Example  # noqa: E402
from tutor.train.export import export_acoustic  # noqa: E402
from tutor.train.models import TINY, ConvPhoneNet  # noqa: E402
from tutor.train.noise_reparam import (  # noqa: E402
    CUT_LOG_ALPHA,
    fine_tune,
    gated,
    gates,
    narrowed,
    widths,
)


def _net() -> ConvPhoneNet:
    torch.manual_seed(0)
    return ConvPhoneNet(TINY).eval()


def test_cutting_noisy_channels_changes_nothing_at_evaluation(tmp_path):
    net = gated(_net())
    for k, gate in enumerate(gates(net)):
        with torch.no_grad():
            gate.theta.uniform_(0.5, 1.5)
            gate.log_sigma2[k::3] = CUT_LOG_ALPHA + 5.0  # every third channel carries noise
    net.eval()
    cut = narrowed(net)
    assert widths(cut) == widths(net)
    assert all(w < TINY.channels for w in widths(cut))
    x = torch.randn(2, 37, TINY.n_mels)
    with torch.no_grad():
        assert torch.allclose(net(x), cut(x), atol=1e-5)
    onnx = export_acoustic(cut, tmp_path / "acoustic.onnx", FeatureConfig(), {"version": "t"})
    sess = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"features": x[:1].numpy()})[0]
    want = torch.log_softmax(cut(x[:1]), dim=-1).detach().numpy()
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_the_kl_term_opens_noise_on_channels_the_loss_does_not_need(tmp_path):
    rng = np.random.default_rng(0)
    n = 20
    target = np.full((n, len(PHONE_SET)), -20.0, np.float32)
    target[:, 3] = 0.0  # the teacher always hears one phone: no channel is needed
    data = [
        Example(
            np.zeros(1, np.float32),
            rng.normal(size=(2 * n, TINY.n_mels)).astype(np.float32),
            target,
            np.full(n, 3),
        )
        for _ in range(32)
    ]
    net = fine_tune(gated(_net()), data, tmp_path, epochs=6, strength=5.0, gate_lr=0.5)
    assert sum(widths(net)) < TINY.blocks * TINY.channels
    assert (tmp_path / "nir_ckpt.pt").is_file()
