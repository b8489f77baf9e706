"""The recorder behind the audio-backend interface, with a fake input stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.recording import (
    RECORD_RATE,
    FakeBackend,
    Recorder,
    RecordingError,
    explain_portaudio_error,
    save_recording,
)


def tone(seconds: float, amp: float = 0.3, rate: int = RECORD_RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_recorder_collects_blocks_and_reports_level() -> None:
    backend = FakeBackend()
    rec = Recorder(backend)
    rec.start()
    assert rec.recording
    backend.stream.feed(tone(0.5))
    assert rec.level_dbfs == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=0.5)
    assert rec.elapsed == pytest.approx(0.5, abs=0.02)
    take = rec.stop()
    assert not rec.recording and backend.stream.closed
    assert len(take) == int(0.5 * RECORD_RATE)
    assert np.allclose(take, tone(0.5))


def test_automatic_stop_needs_speech_then_trailing_silence() -> None:
    backend = FakeBackend()
    rec = Recorder(backend)
    rec.start()
    backend.stream.feed(np.zeros(RECORD_RATE * 2, np.float32))
    assert not rec.should_stop()  # silence before speech never stops the take
    backend.stream.feed(tone(0.6))
    assert not rec.should_stop()
    backend.stream.feed(np.zeros(int(RECORD_RATE * 0.6), np.float32))
    assert not rec.should_stop()  # a pause inside the sentence
    backend.stream.feed(np.zeros(int(RECORD_RATE * 0.8), np.float32))
    assert rec.should_stop()
    rec.stop()


def test_no_microphone_and_busy_device_give_clear_errors() -> None:
    with pytest.raises(RecordingError, match="No microphone"):
        Recorder(FakeBackend(devices=[])).start()
    with pytest.raises(RecordingError, match="busy"):
        Recorder(FakeBackend(error="The microphone is busy")).start()


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("Error opening InputStream: Device unavailable [PaErrorCode -9985]", "busy"),
        ("Error querying device -1", "could not be opened"),
        ("Invalid device [PaErrorCode -9996]", "No microphone"),
        ("Access denied by the system", "Permission"),
    ],
)
def test_portaudio_errors_are_explained(raw: str, needle: str) -> None:
    message = str(explain_portaudio_error(RuntimeError(raw)))
    assert needle in message and "Open audio file" in message


def test_save_recording_writes_a_16_bit_wav(tmp_path: Path) -> None:
    path = save_recording(tone(0.4), RECORD_RATE, tmp_path / "recordings", "th/1 item")
    assert path.parent == tmp_path / "recordings" and path.suffix == ".wav"
    assert "/" not in path.name[20:] and "th_1_item" in path.name
    info = sf.info(str(path))
    assert info.samplerate == RECORD_RATE and info.subtype == "PCM_16"
    data, _ = sf.read(str(path), dtype="float32")
    assert np.allclose(data, tone(0.4), atol=1e-4)
