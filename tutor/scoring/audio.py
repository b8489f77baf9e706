"""Audio front end: read files or buffers, mix to mono, resample, and check the signal."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .errors import AudioError

TARGET_RATE = 16000
MIN_SECONDS = 0.3
MAX_SECONDS = 60.0
SILENCE_DBFS = -55.0  # below this RMS the recording counts as silence
CLIP_LEVEL = 0.999
CLIP_SHARE = 0.005  # more than this share of clipped samples earns a warning


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at :data:`TARGET_RATE`, plus what was noticed."""

    samples: np.ndarray
    sample_rate: int
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def read_file(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read WAV/FLAC/OGG (anything libsndfile knows) as float32 ``(frames, channels)``."""
    p = Path(path)
    try:
        if p.is_dir():
            raise AudioError(f"{p} is a folder, not an audio file.")
        if not p.is_file():
            raise AudioError(f"Audio file not found: {p}")
    except OSError as exc:  # e.g. a name too long for the file system: say so plainly
        from tutor.atomic import describe_write_error

        raise AudioError(f"That audio file cannot be opened: {describe_write_error(exc)}.") from exc
    try:
        info = sf.info(str(p))
        if info.frames > (MAX_SECONDS + 1) * info.samplerate * 4:
            raise AudioError(
                f"{p.name} is {info.duration:.0f} s long; recordings up to "
                f"{MAX_SECONDS:.0f} s can be scored."
            )
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as exc:  # libsndfile reports corrupt files in many ways
        raise AudioError(
            f"{p.name} is not a readable audio file (WAV, FLAC or OGG): {exc}"
        ) from exc
    return data, int(rate)


def clipped_share(mono: np.ndarray) -> float:
    """The share of samples flattened against the ceiling: at the top of the range (full
    scale, or the peak of float audio louder than that) *and* equal to the sample before,
    as clipping leaves them. Loud float audio that is not clipped is not counted."""
    if mono.size < 2:
        return 0.0
    magnitude = np.abs(mono)
    ceiling = max(1.0, float(magnitude.max()))
    at_top = magnitude[1:] >= CLIP_LEVEL * ceiling
    flat = mono[1:] == mono[:-1]
    return float(np.count_nonzero(at_top & flat)) / mono.size


def to_mono(data: np.ndarray) -> np.ndarray:
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 1:
        return data
    if data.ndim == 2:
        # (frames, channels) is the soundfile convention; accept (channels, frames) too
        if data.shape[0] < data.shape[1] and data.shape[0] <= 8:
            data = data.T
        return data.mean(axis=1)
    raise AudioError(f"Audio must be 1-D or 2-D, got an array of shape {data.shape}")


def resample(samples: np.ndarray, rate: int, target: int = TARGET_RATE) -> np.ndarray:
    if rate == target:
        return samples.astype(np.float32, copy=False)
    if rate < 4000 or rate > 384000:
        raise AudioError(f"Sample rate {rate} Hz is not supported (4 kHz to 384 kHz).")
    return soxr.resample(samples, rate, target, quality="HQ").astype(np.float32)


def change_speed(samples: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (tempo and pitch move together, as in Kaldi's
    speed-perturbation recipe). Training's speed copies and the engine's test-time speeds
    both come from here, so they match exactly."""
    if factor == 1.0:
        return samples
    return soxr.resample(samples, rate * factor, rate).astype(np.float32)


def load_audio(
    source: str | os.PathLike[str] | np.ndarray,
    sample_rate: int | None = None,
    *,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
) -> Audio:
    """Load and check audio from a path or a numpy buffer (which needs ``sample_rate``).

    Raises :class:`AudioError` with a learner-readable message when the audio cannot be
    scored; softer problems (clipping, low sample rate, low level) come back as warnings.
    """
    warnings: list[str] = []
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise AudioError("A sample rate is needed with a raw audio buffer.")
        data, rate = source, int(sample_rate)
        if data.dtype.kind == "i":
            data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    else:
        data, rate = read_file(source)
    mono = to_mono(data)
    if mono.size == 0:
        raise AudioError("The recording is empty.")
    if not np.all(np.isfinite(mono)):
        raise AudioError("The recording contains invalid samples (NaN or infinity).")
    duration = mono.size / rate
    if duration < min_seconds:
        raise AudioError(
            f"The recording is too short ({duration:.2f} s); speak for at least "
            f"{min_seconds:.1f} s."
        )
    if duration > max_seconds:
        raise AudioError(
            f"The recording is too long ({duration:.0f} s); keep it under {max_seconds:.0f} s."
        )
    if rate < TARGET_RATE:
        warnings.append(
            f"Low sample rate ({rate} Hz): high sounds such as S and TH may be scored poorly."
        )
    clipped = clipped_share(mono)
    if clipped > CLIP_SHARE:
        warnings.append(
            f"The recording is clipped ({clipped:.1%} of samples at full scale): "
            "move back from the microphone or lower the input level."
        )
    peak = float(np.max(np.abs(mono)))
    if peak > 1.0:  # float data outside [-1, 1]: normalise rather than wrap
        mono = mono / peak
    samples = resample(mono, rate)
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    level = 20 * np.log10(rms + 1e-12)
    if level < SILENCE_DBFS:
        raise AudioError(
            "The recording is silent: check that the right microphone is selected "
            "and speak closer to it."
        )
    return Audio(samples=samples, sample_rate=TARGET_RATE, warnings=tuple(warnings))
