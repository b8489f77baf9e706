"""Signals for the analysis views: spectrogram and pitch contour (numpy only, no Qt).

These are for *display*, not scoring; parameters follow Praat's defaults for a broadband
spectrogram (5 ms window, 0-5 kHz) and a 75-500 Hz pitch range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spectrogram:
    times: np.ndarray  # frame centres, seconds
    freqs: np.ndarray  # bin centres, Hz
    db: np.ndarray  # (frames, bins), dB relative to the loudest bin, floored at -dynamic_range

    @property
    def hop(self) -> float:
        return float(self.times[1] - self.times[0]) if len(self.times) > 1 else 0.0


@dataclass(frozen=True)
class PitchContour:
    times: np.ndarray  # seconds
    f0: np.ndarray  # Hz, NaN where unvoiced


def _frames(samples: np.ndarray, length: int, hop: int) -> np.ndarray:
    if len(samples) < length:
        samples = np.pad(samples, (0, length - len(samples)))
    count = 1 + (len(samples) - length) // hop
    return np.lib.stride_tricks.sliding_window_view(samples, length)[::hop][:count]


def spectrogram(
    samples: np.ndarray,
    rate: int,
    window_s: float = 0.005,
    hop_s: float = 0.002,
    max_freq: float = 5000.0,
    dynamic_range: float = 70.0,
) -> Spectrogram:
    """Broadband spectrogram with pre-emphasis, in dB (0 = loudest)."""
    x = np.asarray(samples, dtype=np.float32)
    x = np.append(x[:1], x[1:] - 0.97 * x[:-1])  # pre-emphasis: formants show up better
    win = max(16, int(round(window_s * rate)) * 2)  # Praat's window is 2x the "window length"
    hop = max(1, int(round(hop_s * rate)))
    n_fft = 1 << int(np.ceil(np.log2(max(win, 512))))
    frames = _frames(x, win, hop) * np.hanning(win).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    keep = freqs <= max_freq
    db = 10.0 * np.log10(power[:, keep] + 1e-12)
    db = np.maximum(db - db.max(), -dynamic_range).astype(np.float32)
    times = (np.arange(len(frames)) * hop + win / 2) / rate
    return Spectrogram(times=times, freqs=freqs[keep], db=db)


def pitch_contour(
    samples: np.ndarray,
    rate: int,
    fmin: float = 75.0,
    fmax: float = 500.0,
    hop_s: float = 0.01,
    threshold: float = 0.15,
    silence_dbfs: float = -45.0,
) -> PitchContour:
    """F0 by the YIN method (cumulative mean normalised difference), NaN where unvoiced."""
    x = np.asarray(samples, dtype=np.float64)
    tau_min = max(2, int(rate / fmax))
    tau_max = int(rate / fmin) + 1
    width = tau_max  # integration window: one period of the lowest pitch
    hop = max(1, int(round(hop_s * rate)))
    frames = _frames(x, width + tau_max, hop)
    n_fft = 1 << int(np.ceil(np.log2(2 * (width + tau_max))))
    head = frames[:, :width]
    spec_full = np.fft.rfft(frames, n=n_fft, axis=1)
    spec_head = np.fft.rfft(head, n=n_fft, axis=1)
    cross = np.fft.irfft(spec_full * np.conj(spec_head), n=n_fft, axis=1)[:, :tau_max]
    sq = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    taus = np.arange(tau_max)
    energy_shifted = sq[:, taus + width] - sq[:, taus]
    energy_head = sq[:, width][:, None]
    diff = np.maximum(energy_head + energy_shifted - 2.0 * cross, 0.0)
    cum = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)

    f0 = np.full(len(frames), np.nan)
    rms_db = 10.0 * np.log10(energy_head[:, 0] / width + 1e-12)
    for i in np.flatnonzero(rms_db > silence_dbfs):
        row = cmnd[i]
        below = np.flatnonzero(row[tau_min : tau_max - 1] < threshold)
        if below.size == 0:
            continue
        tau = int(below[0]) + tau_min
        while tau + 1 < tau_max - 1 and row[tau + 1] < row[tau]:
            tau += 1  # walk down to the local minimum
        a, b, c = row[tau - 1], row[tau], row[tau + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom > 1e-12 else 0.0
        f0[i] = rate / (tau + float(np.clip(shift, -1, 1)))
    times = (np.arange(len(frames)) * hop + width / 2) / rate
    return PitchContour(times=times, f0=f0)


def segment(samples: np.ndarray, rate: int, start: float, end: float) -> np.ndarray:
    """The samples between ``start`` and ``end`` seconds, clamped to the recording."""
    a = int(np.clip(round(start * rate), 0, len(samples)))
    b = int(np.clip(round(end * rate), a, len(samples)))
    return samples[a:b]
