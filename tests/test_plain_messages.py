"""Messages that say what is true (issue 13, cases 10 and 11)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.scoring.audio import load_audio, read_file
from tutor.scoring.errors import AudioError


def sine(amplitude: float, seconds: float = 1.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_a_folder_is_not_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as caught:
        read_file(tmp_path)
    assert "is a folder" in str(caught.value) and "not found" not in str(caught.value)


def test_a_name_too_long_is_plain(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as caught:
        read_file(tmp_path / ("x" * 400 + ".wav"))
    assert "file name is too long" in str(caught.value) and "Errno" not in str(caught.value)


def test_loud_float_audio_that_is_not_clipped_gets_no_clipping_warning(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    sf.write(path, sine(3.0), 16000, subtype="FLOAT")  # float WAV may exceed full scale
    audio = load_audio(path)
    assert not [w for w in audio.warnings if "clipped" in w]
    assert float(np.max(np.abs(audio.samples))) <= 1.0
    full_scale = load_audio(sine(1.0), sample_rate=16000)  # a full-scale sine is not clipped
    assert not [w for w in full_scale.warnings if "clipped" in w]


def test_clipped_audio_still_gets_the_warning() -> None:
    clipped = np.clip(sine(5.0), -1.0, 1.0)
    assert [w for w in load_audio(clipped, sample_rate=16000).warnings if "clipped" in w]
    pcm = (np.clip(sine(4.0), -1, 1) * 32767).astype(np.int16)
    assert [w for w in load_audio(pcm, sample_rate=16000).warnings if "clipped" in w]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_reference_voice_never_reads_the_prompt_as_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from tutor.feedback import reference_speech
    from tutor.voice import espeak

    calls: list[list[str]] = []
    real = subprocess.run

    def spy(args, *a, **k):
        calls.append(list(args))
        return real(args, *a, **k)

    monkeypatch.setattr(espeak.subprocess, "run", spy)
    secret = tmp_path / "secret.txt"
    secret.write_text("this is a private file that must never be read aloud " * 20)
    samples, rate = reference_speech.synthesize(f"-f{secret}", voice="espeak-ng")
    assert calls[0][-2:] == ["--", f"-f{secret}"]
    # spoken as text, the path takes ~10 s; read as a file, its 220 words would take ~90 s
    assert len(samples) / rate < 40
