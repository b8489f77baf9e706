"""Log-mel filterbank features: the single implementation used by training and runtime.

The settings travel inside each ONNX model's metadata (see :class:`FeatureConfig`), so the
runtime computes exactly what the model was trained on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

VOICING_COLUMNS = 2
PITCH_RANGE_HZ = (75.0, 400.0)  # the voices the tutor hears, children's included
OCTAVE_COST = 0.05  # per octave down: a periodic frame also peaks at twice its period
VOICED = 0.45  # periodicity above which a frame counts as voiced for the pitch column


@dataclass(frozen=True)
class FeatureConfig:
    sample_rate: int = 16000
    frame_length_ms: float = 25.0
    frame_shift_ms: float = 10.0
    n_fft: int = 512
    n_mels: int = 40
    f_min: float = 20.0
    f_max: float = 7600.0
    preemphasis: float = 0.97
    version: str = "logmel-cmn-1"
    voicing: bool = False  # two more columns after the mels: see voicing_features

    @property
    def n_inputs(self) -> int:
        """Columns per frame that the acoustic model reads."""
        return self.n_mels + (VOICING_COLUMNS if self.voicing else 0)

    @property
    def win_length(self) -> int:
        return int(round(self.sample_rate * self.frame_length_ms / 1000))

    @property
    def hop_length(self) -> int:
        return int(round(self.sample_rate * self.frame_shift_ms / 1000))

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FeatureConfig:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)  # type: ignore[arg-type]


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * np.expm1(mel / 1127.0)


@lru_cache(maxsize=8)
def mel_filterbank(config: FeatureConfig) -> np.ndarray:
    """Triangular filters on the mel scale, shape ``(n_fft // 2 + 1, n_mels)``."""
    n_bins = config.n_fft // 2 + 1
    edges = mel_to_hz(
        np.linspace(hz_to_mel(config.f_min), hz_to_mel(config.f_max), config.n_mels + 2)
    )
    freqs = np.linspace(0.0, config.sample_rate / 2, n_bins)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights.T.astype(np.float32)


@lru_cache(maxsize=8)
def _window(config: FeatureConfig) -> np.ndarray:
    return np.hanning(config.win_length).astype(np.float32)


def num_frames(n_samples: int, config: FeatureConfig = FeatureConfig()) -> int:
    if n_samples < config.win_length:
        return 0
    return 1 + (n_samples - config.win_length) // config.hop_length


def frame_signal(samples: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Overlapping frames, shape ``(n_frames, win_length)`` (a strided view, no copy)."""
    n = num_frames(len(samples), config)
    if n == 0:
        return np.zeros((0, config.win_length), dtype=np.float32)
    return np.lib.stride_tricks.sliding_window_view(samples, config.win_length)[
        :: config.hop_length
    ][:n]


def log_mel(samples: np.ndarray, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Log-mel energies with per-utterance mean normalisation, shape ``(frames, n_mels)``.

    ``samples`` must be mono float audio at ``config.sample_rate``.
    """
    x = np.asarray(samples, dtype=np.float32)
    if config.preemphasis:
        x = np.concatenate([x[:1], x[1:] - config.preemphasis * x[:-1]])
    frames = frame_signal(x, config)
    if len(frames) == 0:
        return np.zeros((0, config.n_mels), dtype=np.float32)
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames * _window(config), n=config.n_fft, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    mel = np.log(power @ mel_filterbank(config) + 1e-6)
    mel -= mel.mean(axis=0, keepdims=True)
    return mel.astype(np.float32)


def frame_times(n_frames: int, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Start time in seconds of each frame."""
    return np.arange(n_frames) * (config.hop_length / config.sample_rate)


def _autocorrelation(frames: np.ndarray) -> np.ndarray:
    """Each row's autocorrelation at lags ``0 .. len(row) - 1``, through the FFT."""
    n = 2 * frames.shape[-1]  # no wrap-around in the lags (and 3x faster than 1024 here)
    spectrum = np.fft.rfft(frames, n=n, axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.complex64)  # else it runs in 128 bits
    return np.fft.irfft(power, n=n, axis=-1)[..., : frames.shape[-1]]


@lru_cache(maxsize=8)
def _window_autocorrelation(config: FeatureConfig) -> np.ndarray:
    r = _autocorrelation(_window(config))
    return (r / r[0]).astype(np.float32)


def voicing_features(samples: np.ndarray, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Periodicity and pitch of each frame, shape ``(frames, 2)``.

    Column 0 is the frame's normalised autocorrelation peak over the pitch lags, divided
    by the window's own autocorrelation as Praat does (Boersma 1993), mapped to [-1, 1]:
    the strength of voicing, which the log-mels blur (the voice bar under a closure, a
    /z/ against an /s/). Column 1 is log pitch against the take's median over its voiced
    frames (x 4, so an octave is about 2.8), 0 where the frame is unvoiced: pitch is
    speaker-relative, as the mels are mean-normalised.
    """
    x = np.asarray(samples, dtype=np.float32)
    frames = frame_signal(x, config)
    if len(frames) == 0:
        return np.zeros((0, VOICING_COLUMNS), dtype=np.float32)
    frames = (frames - frames.mean(axis=1, keepdims=True)) * _window(config)
    r = _autocorrelation(frames)
    lo = int(config.sample_rate / PITCH_RANGE_HZ[1])
    hi = min(int(config.sample_rate / PITCH_RANGE_HZ[0]), config.win_length // 2)
    energy = r[:, :1]
    normed = r[:, lo : hi + 1] / np.maximum(energy, 1e-9)
    normed /= _window_autocorrelation(config)[lo : hi + 1]
    lags = np.arange(lo, hi + 1)
    best = (normed - OCTAVE_COST * np.log2(lags / lo)).argmax(axis=1)  # the period, not 2x
    periodicity = np.clip(normed[np.arange(len(best)), best], 0.0, 1.0)
    periodicity[energy[:, 0] < 1e-8] = 0.0  # digital silence has no pitch
    log_f0 = np.log(config.sample_rate / (best + lo))
    voiced = periodicity > VOICED
    pitch = np.zeros(len(best), dtype=np.float32)
    if voiced.any():
        pitch[voiced] = 4.0 * (log_f0[voiced] - np.median(log_f0[voiced]))
    return np.stack([2.0 * periodicity - 1.0, pitch], axis=1).astype(np.float32)


def frame_features(samples: np.ndarray, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """What the acoustic model reads, shape ``(frames, config.n_inputs)``: the log-mels,
    then the voicing columns where ``config.voicing`` asks for them."""
    mel = log_mel(samples, config)
    if not config.voicing:
        return mel
    return np.concatenate([mel, voicing_features(samples, config)], axis=1)
