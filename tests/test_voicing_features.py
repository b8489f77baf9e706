"""The voicing columns: periodicity and pitch beside the log-mels, from the feature code
through training's augmentations and the exported model to the runtime's reading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tutor.scoring.features import (
    VOICING_COLUMNS,
    FeatureConfig,
    frame_features,
    log_mel,
    voicing_features,
)

SR = 16000


def _sawtooth(f0: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.3 * (2 * ((f0 * t) % 1) - 1)).astype(np.float32)


def _noise(seconds: float = 1.0) -> np.ndarray:
    return (0.3 * np.random.default_rng(0).standard_normal(int(SR * seconds))).astype(np.float32)


@pytest.mark.parametrize("f0", [110.0, 220.0, 350.0])
def test_a_voiced_sound_is_periodic_and_noise_is_not(f0: float) -> None:
    voiced = voicing_features(_sawtooth(f0))[:, 0]
    hiss = voicing_features(_noise())[:, 0]
    assert np.median(voiced) > 0.6  # periodicity above 0.8
    assert np.median(hiss) < 0.0  # below 0.5
    assert voiced.min() >= -1.0 and voiced.max() <= 1.0


def test_pitch_is_relative_to_the_take_and_an_octave_is_not_mistaken_for_its_double() -> None:
    v = voicing_features(np.concatenate([_sawtooth(120.0), _sawtooth(240.0)]))
    low, high = np.median(v[10:80, 1]), np.median(v[-80:-10, 1])
    assert high - low == pytest.approx(4 * np.log(2), abs=0.2)  # one octave, x 4
    assert abs(low + high) < 0.2  # centred on the take's median


def test_silence_and_short_takes_give_unvoiced_frames_or_none() -> None:
    silent = voicing_features(np.zeros(SR, np.float32))
    assert np.all(silent[:, 0] == -1.0) and np.all(silent[:, 1] == 0.0)
    assert voicing_features(np.zeros(100, np.float32)).shape == (0, VOICING_COLUMNS)


def test_the_model_input_is_the_mels_then_the_voicing_columns_when_asked() -> None:
    x = np.concatenate([_sawtooth(150.0), _noise(0.5)])
    plain, voiced = FeatureConfig(), FeatureConfig(voicing=True)
    assert plain.n_inputs == 40 and voiced.n_inputs == 40 + VOICING_COLUMNS
    np.testing.assert_array_equal(frame_features(x, plain), log_mel(x, plain))
    both = frame_features(x, voiced)
    assert both.shape == (len(log_mel(x, plain)), voiced.n_inputs)
    np.testing.assert_array_equal(both[:, :40], log_mel(x, plain))
    np.testing.assert_array_equal(both[:, 40:], voicing_features(x, voiced))


def test_a_model_from_before_the_voicing_columns_reads_as_plain_mels() -> None:
    old = {k: v for k, v in FeatureConfig().to_dict().items() if k != "voicing"}
    assert FeatureConfig.from_dict(old) == FeatureConfig()
    assert FeatureConfig.from_dict(FeatureConfig(voicing=True).to_dict()).voicing


torch = pytest.importorskip("torch")

from tutor.scoring.model import AcousticModel  # noqa: E402
from tutor.train.distil_examples import spec_augment, vtlp  # noqa: E402
from tutor.train.export import export_acoustic  # noqa: E402
from tutor.train.models import ConvNetConfig, ConvPhoneNet  # noqa: E402
from tutor.train.onnx_student import student_from_onnx  # noqa: E402
from tutor.train.weight_int8 import quantize_weights_int8  # noqa: E402


@pytest.mark.parametrize("front", [0, 4])
def test_the_net_reads_the_voicing_columns_on_either_front(front: int) -> None:
    torch.manual_seed(0)
    config = ConvNetConfig(
        channels=32, blocks=2, dropout=0.0, spectral_front=front, extra_inputs=VOICING_COLUMNS
    )
    net = ConvPhoneNet(config).eval()
    x = torch.randn(2, 101, 40 + VOICING_COLUMNS)
    y = net(x)
    assert y.shape == (2, 51, config.n_classes)
    changed = x.clone()
    changed[:, :, 40:] += 1.0
    assert not torch.allclose(net(changed), y)  # the columns reach the output


def test_augmentations_leave_the_voicing_columns_alone() -> None:
    x = torch.randn(3, 200, 42) + 5.0
    masked = spec_augment(x, np.random.default_rng(3), mels=40)
    hidden_frames = (masked == 0).all(dim=2)  # time masks hide whole frames, voicing too
    kept = ~hidden_frames
    assert torch.equal(masked[:, :, 40:][kept], x[:, :, 40:][kept])
    assert int((masked[:, :, :40] == 0).all(dim=1).sum()) > 0  # bands masked among the mels
    warped = vtlp(x, np.random.default_rng(3), FeatureConfig(voicing=True))
    assert torch.equal(warped[:, :, 40:], x[:, :, 40:])
    assert not torch.equal(warped[:, :, :40], x[:, :, :40])


@pytest.mark.parametrize("int8", [False, True])
def test_the_shipped_file_asks_the_runtime_for_the_voicing_columns(
    tmp_path: Path, int8: bool
) -> None:
    torch.manual_seed(0)
    config = ConvNetConfig(
        channels=32, blocks=2, dropout=0.0, spectral_front=4, extra_inputs=VOICING_COLUMNS
    )
    features = FeatureConfig(voicing=True)
    settings = json.dumps({"student": config.to_dict()})
    path = export_acoustic(
        ConvPhoneNet(config).eval(), tmp_path / "a.onnx", features, {"settings": settings}
    )
    if int8:
        path = quantize_weights_int8(path, tmp_path / "int8.onnx")
    model = AcousticModel.load(path)
    assert model.features == features
    take = frame_features(np.concatenate([_sawtooth(150.0), _noise(0.5)]), model.features)
    out = model.log_posteriors(take)
    assert out.shape == ((len(take) + 1) // 2, config.n_classes)
    assert np.allclose(np.exp(out).sum(axis=1), 1.0, atol=1e-3)
    net = student_from_onnx(path, [torch.from_numpy(take[None])])
    with torch.no_grad():
        again = torch.log_softmax(net(torch.from_numpy(take[None])), dim=-1)[0].numpy()
    assert np.abs(again - out).max() < 1e-3


def test_a_plain_fine_tune_of_a_voicing_student_is_refused_by_name(tmp_path: Path) -> None:
    from tutor.train.onnx_student import start_weights

    config = ConvNetConfig(channels=32, blocks=2, spectral_front=4, extra_inputs=VOICING_COLUMNS)
    settings = json.dumps({"student": config.to_dict()})
    path = export_acoustic(
        ConvPhoneNet(config).eval(), tmp_path / "a.onnx", FeatureConfig(voicing=True),
        {"settings": settings},
    )  # fmt: skip
    plain = ConvNetConfig(channels=32, blocks=2, spectral_front=4)
    with pytest.raises(ValueError, match="2 voicing columns"):
        start_weights(path, plain, [])


@pytest.mark.parametrize("front", [0, 4])
def test_a_grown_student_computes_what_it_did_and_can_learn_the_columns(front: int) -> None:
    from tutor.train.onnx_student import grown_for_voicing

    torch.manual_seed(0)
    plain_config = ConvNetConfig(channels=32, blocks=2, dropout=0.0, spectral_front=front)
    plain = ConvPhoneNet(plain_config).eval()
    config = ConvNetConfig(
        channels=32, blocks=2, dropout=0.0, spectral_front=front, extra_inputs=VOICING_COLUMNS
    )
    grown = ConvPhoneNet(config)
    grown.load_state_dict(grown_for_voicing(plain.state_dict(), config))
    grown.eval()
    x = torch.randn(2, 101, 40 + VOICING_COLUMNS)
    with torch.no_grad():
        assert torch.allclose(grown(x), plain(x[:, :, :40]), atol=1e-5)
    grown(x).logsumexp(dim=-1).sum().backward()
    reading = [p.grad for n, p in grown.named_parameters() if n.startswith("front.")]
    assert any(g is not None and float(g.abs().sum()) > 0 for g in reading)
    first = "front.project.0.weight" if front else "front.0.weight"
    grad = dict(grown.named_parameters())[first].grad
    assert grad is not None and float(grad[:, -1:].abs().sum()) > 0  # the new columns learn


def test_weights_of_another_architecture_are_not_grown_but_named() -> None:
    from tutor.train.onnx_student import grown_for_voicing

    plain_front = ConvPhoneNet(ConvNetConfig(channels=32, blocks=2, spectral_front=0))
    config = ConvNetConfig(channels=32, blocks=2, spectral_front=4, extra_inputs=VOICING_COLUMNS)
    state = plain_front.state_dict()
    assert grown_for_voicing(state, config) is state
    with pytest.raises(RuntimeError, match="front"):
        ConvPhoneNet(config).load_state_dict(grown_for_voicing(state, config))


def test_a_refused_start_names_the_files_own_voicing_columns(tmp_path: Path) -> None:
    from tutor.train.onnx_student import start_weights

    plain = ConvNetConfig(channels=32, blocks=2, spectral_front=4)
    settings = json.dumps({"student": plain.to_dict()})
    path = export_acoustic(
        ConvPhoneNet(plain).eval(), tmp_path / "a.onnx", FeatureConfig(), {"settings": settings}
    )
    wider = ConvNetConfig(channels=48, blocks=2, spectral_front=4, extra_inputs=VOICING_COLUMNS)
    with pytest.raises(ValueError, match=r"32 x 2 student \(front 4, 0 voicing columns\)"):
        start_weights(path, wider, [])
