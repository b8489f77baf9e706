"""Offline reference speech from espeak-ng, when it is installed (no network, no models)."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile as sf


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(
    text: str, voice: str = "en-us", words_per_minute: int = 140
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng; returns ``(samples, rate)``.

    Raises ``RuntimeError`` with a readable message when espeak-ng is missing or fails.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("Reference speech needs espeak-ng, which is not installed.")
    try:
        proc = subprocess.run(
            # "--": the prompt is never read as options ("-f/etc/hostname" reads a file)
            [exe, "-v", voice, "-s", str(words_per_minute), "--stdout", "--", text],
            capture_output=True,
            timeout=20,
            check=True,
        )
        samples, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    except (subprocess.SubprocessError, OSError, RuntimeError) as exc:
        raise RuntimeError(f"espeak-ng could not speak the prompt: {exc}") from exc
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return samples.astype(np.float32), int(rate)
