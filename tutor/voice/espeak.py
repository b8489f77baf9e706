"""espeak-ng, run as a separate program: IPA phonemes for Piper voices, and the robotic
fallback voice. The text always comes after ``--``, so a prompt such as ``-rf`` or
``--stdout`` is spoken, never read as an option."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import soundfile as sf

from .errors import VoiceError

TIMEOUT_S = 20
MAX_CHARS = 2000
_LANGUAGE_SWITCH = re.compile(r"\([^)]*\)")  # "(fr)" ... "(en)" around foreign words


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def espeak_available() -> bool:
    return espeak_path() is not None


def _run(args: list[str], text: str) -> bytes:
    exe = espeak_path()
    if exe is None:
        raise VoiceError("Reference speech needs espeak-ng, which is not installed.")
    clean = " ".join(str(text).split())
    if not clean:
        raise VoiceError("There is no text to speak.")
    if len(clean) > MAX_CHARS:
        raise VoiceError(
            f"The text is too long to speak ({len(clean)} characters; at most {MAX_CHARS})."
        )
    try:
        proc = subprocess.run(
            [exe, *args, "--", clean], capture_output=True, timeout=TIMEOUT_S, check=True
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise VoiceError(f"espeak-ng could not speak the prompt: {exc}") from exc
    return proc.stdout


def espeak_ipa(text: str, voice: str = "en-us") -> list[str]:
    """IPA for ``text``, one string per clause espeak-ng found (stress marks kept)."""
    out = _run(["-q", "--ipa", "-v", voice], text).decode("utf-8", errors="replace")
    lines = [_LANGUAGE_SWITCH.sub("", line).strip() for line in out.splitlines()]
    return [line for line in lines if line]


def espeak_wave(
    text: str, voice: str = "en-us", words_per_minute: int = 140
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng's own (formant) voice; returns mono ``(samples, rate)``."""
    wav = _run(["-v", voice, "-s", str(int(words_per_minute)), "--stdout"], text)
    try:
        samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    except (RuntimeError, ValueError, sf.LibsndfileError) as exc:
        raise VoiceError(f"espeak-ng gave no usable audio: {exc}") from exc
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return samples.astype(np.float32), int(rate)
