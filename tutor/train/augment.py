"""Waveform augmentation for training (numpy/scipy/soxr only).

Every transform is a pure function ``(samples, rate, rng, ...) -> samples`` on mono float
audio; parameters left as ``None`` are drawn from the seeded ``numpy.random.Generator``, so a
run is reproducible from its seed.  :func:`random_augment` chains them.

Methods:

* **speed** - resampling (Kaldi's 0.9/1.0/1.1 recipe): tempo, pitch and formants move
  together and the duration changes by ``1/factor``.
* **pitch / vocal-tract length** - resample by ``factor`` (all frequencies, F0 *and*
  formants, scale by ``factor``; duration by ``1/factor``), then restore the duration with a
  WSOLA time stretch, which keeps the local spectrum.  Scaling F0 and formants together
  mimics a speaker with a shorter or longer vocal tract (child vs adult), the variation
  that matters for phone recognition; timings stay valid.
* **noise** - white, pink (1/f power) or babble (a sum of other utterances) added at an
  exact SNR measured over the whole signal.
* **reverb** - convolution with a synthetic room impulse response: a direct path plus
  exponentially decaying Gaussian noise reaching -60 dB at ``rt60``.
* **gain** - a level change in dB; the result is clipped to [-1, 1] like a real recorder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import soxr
from scipy.signal import fftconvolve
from scipy.signal.windows import hann

SPEED_FACTORS = (0.9, 1.0, 1.1)
NOISE_KINDS = ("white", "pink", "babble")


def _check(samples: np.ndarray, rate: int) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"expected mono audio (a 1-D array), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"expected float samples in [-1, 1], got dtype {x.dtype}")
    if not isinstance(rate, int | np.integer) or rate <= 0:
        raise ValueError(f"sample rate must be a positive integer, got {rate!r}")
    return x.astype(np.float32, copy=False)


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64))) if x.size else 0.0


def speed_perturb(
    samples: np.ndarray, rate: int, rng: np.random.Generator, factor: float | None = None
) -> np.ndarray:
    """Play ``factor`` times faster (default: one of 0.9/1.0/1.1); length becomes ``n/factor``."""
    x = _check(samples, rate)
    factor = float(rng.choice(SPEED_FACTORS)) if factor is None else float(factor)
    if factor <= 0:
        raise ValueError(f"speed factor must be positive, got {factor}")
    if factor == 1.0 or x.size == 0:
        return x.copy()
    return soxr.resample(x, rate * factor, rate).astype(np.float32)


def time_stretch(samples: np.ndarray, rate: int, stretch: float) -> np.ndarray:
    """WSOLA: make audio ``stretch`` times longer without changing its spectrum.

    Frames of 30 ms are overlap-added at half-frame hops; each input frame is taken within
    +-10 ms of its nominal position where it best continues the previous frame
    (cross-correlation), which avoids the phasiness of a plain overlap-add.
    """
    x = _check(samples, rate)
    if stretch <= 0:
        raise ValueError(f"stretch must be positive, got {stretch}")
    frame = max(16, int(0.03 * rate) // 2 * 2)
    hop_out = frame // 2
    tolerance = max(1, int(0.01 * rate))
    hop_in = hop_out / stretch
    n_out = int(round(x.size * stretch))
    if x.size < frame or n_out < frame:
        return soxr.resample(x, rate, rate / stretch).astype(np.float32) if x.size else x.copy()
    window = hann(frame, sym=False).astype(np.float32)
    pad = tolerance + frame
    padded = np.concatenate([np.zeros(pad, np.float32), x, np.zeros(pad + frame, np.float32)])
    n_frames = n_out // hop_out + 1
    out = np.zeros(n_frames * hop_out + frame, np.float32)
    norm = np.zeros_like(out)
    previous = pad  # start of the input frame used last (in padded coordinates)
    for k in range(n_frames):
        nominal = pad + int(round(k * hop_in))
        if k == 0:
            start = nominal
        else:
            natural = padded[previous + hop_out : previous + hop_out + frame]
            lo = max(0, nominal - tolerance)
            region = padded[lo : nominal + tolerance + frame]
            scores = np.correlate(region, natural, mode="valid")
            start = lo + int(np.argmax(scores)) if scores.size else nominal
        out[k * hop_out : k * hop_out + frame] += padded[start : start + frame] * window
        norm[k * hop_out : k * hop_out + frame] += window
        previous = start
    out /= np.maximum(norm, 1e-3)
    return out[:n_out]


def pitch_shift(
    samples: np.ndarray, rate: int, rng: np.random.Generator, factor: float | None = None
) -> np.ndarray:
    """Scale F0 and formants by ``factor`` (default uniform 0.88-1.12), same duration."""
    x = _check(samples, rate)
    factor = float(rng.uniform(0.88, 1.12)) if factor is None else float(factor)
    if not 0.5 <= factor <= 2.0:
        raise ValueError(f"pitch factor must be within 0.5-2.0, got {factor}")
    if factor == 1.0 or x.size == 0:
        return x.copy()
    faster = soxr.resample(x, rate * factor, rate).astype(np.float32)
    stretched = time_stretch(faster, rate, x.size / max(faster.size, 1))
    out = np.zeros_like(x)
    n = min(x.size, stretched.size)
    out[:n] = stretched[:n]
    return out


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise with a 1/f power spectrum (white noise shaped in the FFT domain)."""
    if n <= 0:
        return np.zeros(0, np.float32)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (noise / np.sqrt(max(_power(noise), 1e-20))).astype(np.float32)


def babble_noise(
    n: int, rng: np.random.Generator, sources: Sequence[np.ndarray], talkers: int = 4
) -> np.ndarray:
    """Unit-power babble: ``talkers`` random stretches of other speech, each normalised, summed."""
    usable = [np.asarray(s, np.float32) for s in sources if np.asarray(s).size and _power(s) > 0]
    if not usable:
        raise ValueError("babble noise needs at least one non-silent source recording")
    mix = np.zeros(n, np.float32)
    for _ in range(talkers):
        src = usable[int(rng.integers(len(usable)))]
        reps = -(-n // src.size) + 1
        looped = np.tile(src, reps)
        start = int(rng.integers(src.size))
        piece = looped[start : start + n]
        mix += piece / np.sqrt(_power(piece) + 1e-20)
    return (mix / np.sqrt(max(_power(mix), 1e-20))).astype(np.float32)


def add_noise(
    samples: np.ndarray,
    rate: int,
    rng: np.random.Generator,
    snr_db: float | None = None,
    kind: str | None = None,
    sources: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Add noise at ``snr_db`` (default uniform 5-30 dB) over the whole signal.

    ``kind`` is "white", "pink" or "babble" (babble needs ``sources``: other utterances at
    the same rate); by default one is drawn, babble only when sources are given.
    """
    x = _check(samples, rate)
    snr_db = float(rng.uniform(5.0, 30.0)) if snr_db is None else float(snr_db)
    if kind is None:
        kinds = NOISE_KINDS if sources else NOISE_KINDS[:2]
        kind = str(rng.choice(kinds))
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; expected one of {NOISE_KINDS}")
    signal_power = _power(x)
    if x.size == 0 or signal_power == 0.0:
        return x.copy()
    if kind == "white":
        noise = rng.standard_normal(x.size).astype(np.float32)
    elif kind == "pink":
        noise = pink_noise(x.size, rng)
    else:
        noise = babble_noise(x.size, rng, sources or ())
    scale = np.sqrt(signal_power / (_power(noise) * 10.0 ** (snr_db / 10.0)))
    return (x + scale * noise).astype(np.float32)


def synthetic_rir(
    rate: int, rng: np.random.Generator, rt60: float, predelay: float = 0.005
) -> np.ndarray:
    """A room impulse response: unit direct path, then a noise tail decaying 60 dB in rt60."""
    if rt60 <= 0:
        raise ValueError(f"rt60 must be positive, got {rt60}")
    length = max(2, int(rt60 * rate))
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-np.log(1000.0) * t / rt60)
    onset = int(predelay * rate)
    tail[: onset + 1] = 0.0
    # Tail energy 0.25-2.25x the direct path: direct-to-reverberant ratio about -3.5..+6 dB.
    tail *= 1.0 / np.sqrt(np.sum(tail**2) + 1e-20)
    rir = tail * float(rng.uniform(0.5, 1.5))
    rir[0] = 1.0
    return rir.astype(np.float32)


def reverberate(
    samples: np.ndarray, rate: int, rng: np.random.Generator, rt60: float | None = None
) -> np.ndarray:
    """Convolve with a synthetic RIR (default rt60 uniform 0.15-0.8 s); same length and RMS."""
    x = _check(samples, rate)
    rt60 = float(rng.uniform(0.15, 0.8)) if rt60 is None else float(rt60)
    if x.size == 0:
        return x.copy()
    wet = fftconvolve(x, synthetic_rir(rate, rng, rt60))[: x.size]
    before, after = _power(x), _power(wet)
    if after > 0:
        wet *= np.sqrt(before / after)
    return wet.astype(np.float32)


def gain(
    samples: np.ndarray, rate: int, rng: np.random.Generator, db: float | None = None
) -> np.ndarray:
    """Change the level by ``db`` (default uniform -12..+6 dB), clipping to [-1, 1]."""
    x = _check(samples, rate)
    db = float(rng.uniform(-12.0, 6.0)) if db is None else float(db)
    return np.clip(x * np.float32(10.0 ** (db / 20.0)), -1.0, 1.0).astype(np.float32)


def random_augment(
    samples: np.ndarray,
    rate: int,
    rng: np.random.Generator,
    noise_sources: Sequence[np.ndarray] | None = None,
    applied: list[tuple[str, float]] | None = None,
) -> np.ndarray:
    """A random chain: speed (p=.5), pitch (p=.3), reverb (p=.3), noise (p=.5), gain (p=.5).

    Pass a list as ``applied`` to get ``(step, parameter)`` records back; a "speed" record
    means every time stamp of the input must be divided by its factor.
    """
    x = _check(samples, rate)
    log = applied if applied is not None else []
    if rng.random() < 0.5:
        factor = float(rng.choice((0.9, 1.1)))
        x = speed_perturb(x, rate, rng, factor)
        log.append(("speed", factor))
    if rng.random() < 0.3:
        factor = float(rng.uniform(0.88, 1.12))
        x = pitch_shift(x, rate, rng, factor)
        log.append(("pitch", factor))
    if rng.random() < 0.3:
        rt60 = float(rng.uniform(0.15, 0.8))
        x = reverberate(x, rate, rng, rt60)
        log.append(("reverb", rt60))
    if rng.random() < 0.5:
        snr = float(rng.uniform(5.0, 30.0))
        x = add_noise(x, rate, rng, snr, sources=noise_sources)
        log.append(("noise", snr))
    if rng.random() < 0.5:
        db = float(rng.uniform(-12.0, 6.0))
        x = gain(x, rate, rng, db)
        log.append(("gain", db))
    return x
