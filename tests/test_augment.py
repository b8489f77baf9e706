"""Waveform augmentation: lengths, SNR, pitch, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.train import augment

RATE = 16000


def _tone(freq: float = 200.0, seconds: float = 1.0, harmonics: int = 5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, harmonics + 1))
    return (0.3 * x / np.max(np.abs(x))).astype(np.float32)


def _peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * RATE / x.size)


def _snr(clean: np.ndarray, noisy: np.ndarray) -> float:
    noise = noisy - clean
    return 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise**2))


@pytest.mark.parametrize("factor", [0.9, 1.0, 1.1])
def test_speed_perturb_changes_length_by_factor(factor):
    x = _tone()
    y = augment.speed_perturb(x, RATE, np.random.default_rng(0), factor)
    assert y.dtype == np.float32
    assert y.size == pytest.approx(x.size / factor, rel=0.002)
    assert _peak_hz(y) == pytest.approx(200 * factor, rel=0.02)


def test_speed_perturb_draws_a_kaldi_factor():
    x = _tone(seconds=0.5)
    sizes = {augment.speed_perturb(x, RATE, np.random.default_rng(s)).size for s in range(20)}
    assert len(sizes) == 3


@pytest.mark.parametrize("factor", [0.9, 1.12])
def test_pitch_shift_moves_pitch_and_keeps_length(factor):
    x = _tone()
    y = augment.pitch_shift(x, RATE, np.random.default_rng(0), factor)
    assert y.size == x.size
    assert _peak_hz(y[2000:-2000]) == pytest.approx(200 * factor, rel=0.03)
    assert np.sqrt(np.mean(y**2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=0.2)


@pytest.mark.parametrize("stretch", [0.8, 1.25])
def test_time_stretch_keeps_pitch(stretch):
    x = _tone()
    y = augment.time_stretch(x, RATE, stretch)
    assert y.size == round(x.size * stretch)
    assert _peak_hz(y) == pytest.approx(200, rel=0.03)


@pytest.mark.parametrize("kind", ["white", "pink", "babble"])
@pytest.mark.parametrize("snr", [0.0, 10.0, 25.0])
def test_add_noise_hits_the_requested_snr(kind, snr):
    x = _tone()
    sources = [_tone(130, 0.7), _tone(310, 1.3)]
    y = augment.add_noise(x, RATE, np.random.default_rng(1), snr, kind, sources)
    assert y.shape == x.shape
    assert _snr(x, y) == pytest.approx(snr, abs=0.1)


def test_pink_noise_has_more_low_than_high_energy():
    spectrum = np.abs(np.fft.rfft(augment.pink_noise(RATE, np.random.default_rng(0)))) ** 2
    low, high = spectrum[20:200].mean(), spectrum[4000:6000].mean()
    assert low > 10 * high


def test_babble_needs_sources():
    with pytest.raises(ValueError, match="babble"):
        augment.add_noise(_tone(), RATE, np.random.default_rng(0), 10.0, "babble")
    with pytest.raises(ValueError, match="unknown noise kind"):
        augment.add_noise(_tone(), RATE, np.random.default_rng(0), 10.0, "brown")


def test_reverberate_keeps_length_and_level_and_smears_time():
    x = np.zeros(RATE, np.float32)
    x[1000:1400] = _tone(seconds=0.025)
    y = augment.reverberate(x, RATE, np.random.default_rng(0), rt60=0.5)
    assert y.shape == x.shape
    assert np.mean(y**2) == pytest.approx(np.mean(x**2), rel=1e-3)
    assert np.mean(y[3000:5000] ** 2) > 1e3 * np.mean(x[3000:5000] ** 2 + 1e-12)
    rir = augment.synthetic_rir(RATE, np.random.default_rng(0), 0.4)
    tail = rir[1:]
    early, late = np.mean(tail[: RATE // 20] ** 2), np.mean(tail[int(0.35 * RATE) :] ** 2)
    assert 10 * np.log10(early / late) > 30  # decays by tens of dB over the rt60


def test_gain_changes_level_and_clips():
    x = _tone()
    y = augment.gain(x, RATE, np.random.default_rng(0), -6.0)
    assert np.max(np.abs(y)) == pytest.approx(0.3 * 10 ** (-6 / 20), rel=1e-4)
    loud = augment.gain(x, RATE, np.random.default_rng(0), 20.0)
    assert np.max(np.abs(loud)) == 1.0


def test_random_augment_is_deterministic_under_a_seed():
    x = _tone(seconds=0.8)
    runs = []
    for _ in range(2):
        applied: list[tuple[str, float]] = []
        runs.append((augment.random_augment(x, RATE, np.random.default_rng(42), [x], applied),
                     applied))  # fmt: skip
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    outputs = [augment.random_augment(x, RATE, np.random.default_rng(s)) for s in range(12)]
    assert len({o.size for o in outputs}) > 1  # speed sometimes applied
    for o in outputs:
        assert o.dtype == np.float32 and np.all(np.isfinite(o))
        assert 0.85 * x.size < o.size < 1.15 * x.size
        assert np.max(np.abs(o)) <= 1.0


def test_bad_input_is_rejected_with_a_message():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="mono"):
        augment.gain(np.zeros((2, 100), np.float32), RATE, rng, 0.0)
    with pytest.raises(ValueError, match="float"):
        augment.gain(np.zeros(100, np.int16), RATE, rng, 0.0)
    with pytest.raises(ValueError, match="sample rate"):
        augment.gain(np.zeros(100, np.float32), 0, rng, 0.0)
    with pytest.raises(ValueError, match="pitch factor"):
        augment.pitch_shift(_tone(), RATE, rng, 3.0)
    assert augment.add_noise(np.zeros(0, np.float32), RATE, rng, 10.0, "white").size == 0
