"""Microphone capture and playback behind a small interface (no Qt).

The app talks to an :class:`AudioBackend`; :class:`SoundDeviceBackend` is the real one
(PortAudio via sounddevice) and :class:`FakeBackend` feeds prepared samples, for tests and
for machines without a sound card. :class:`Recorder` collects blocks from an input stream
(called on PortAudio's thread), tracks the level for a meter and notices trailing silence.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

from tutor import atomic

RECORD_RATE = 16000
BLOCK_SECONDS = 0.02
MAX_RECORD_SECONDS = 30.0
#: Blocks whose RMS level is above this count as speech (for the automatic stop).
SPEECH_DBFS = -38.0
#: After some speech, this much silence stops the recording.
TRAILING_SILENCE_S = 1.2
#: Speech shorter than this does not arm the automatic stop (a click or a cough).
MIN_SPEECH_S = 0.25

BlockCallback = Callable[[np.ndarray], None]


class RecordingError(Exception):
    """A microphone or speaker cannot be used; the message says what to do about it."""


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    channels: int
    default: bool = False


class InputStream(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class AudioBackend(Protocol):
    def input_devices(self) -> list[Device]: ...

    def open_input(
        self, device: int | None, rate: int, block: int, callback: BlockCallback
    ) -> InputStream: ...

    def play(self, samples: np.ndarray, rate: int) -> None: ...

    def stop_playback(self) -> None: ...


def find_input_device(backend: AudioBackend, name: str | None) -> int | None:
    """The index of the input device called ``name``; ``None`` (the system default) when
    no name is set, the device is gone, or the devices cannot be listed."""
    if not name:
        return None
    try:
        return next((d.index for d in backend.input_devices() if d.name == name), None)
    except RecordingError:
        return None


def explain_portaudio_error(exc: BaseException, what: str = "microphone") -> RecordingError:
    """Map PortAudio's terse errors to messages a learner can act on."""
    text = str(exc)
    low = text.lower()
    if "busy" in low or "unanticipated host error" in low or "device unavailable" in low:
        msg = f"The {what} is busy: close other apps that use it, then try again."
    elif "permission" in low or "access" in low or "denied" in low:
        msg = (
            f"Permission to use the {what} was refused: allow microphone access for this "
            "app in your system's privacy settings."
        )
    elif "invalid device" in low or "no default" in low or "not found" in low:
        msg = f"No {what} was found: plug one in or pick another in Settings."
    else:
        msg = f"The {what} could not be opened ({text})."
    return RecordingError(msg + " You can still open a recording with File > Open audio file.")


class SoundDeviceBackend:
    """PortAudio through sounddevice; imported lazily so a missing library is a clear error."""

    def __init__(self) -> None:
        try:
            import sounddevice
        except OSError as exc:  # PortAudio shared library missing
            raise RecordingError(
                f"Audio is unavailable: the PortAudio library could not be loaded ({exc})."
            ) from exc
        self._sd = sounddevice

    def input_devices(self) -> list[Device]:
        try:
            devices = self._sd.query_devices()
            default_in = self._sd.default.device[0]
        except Exception as exc:  # PortAudioError and friends
            raise explain_portaudio_error(exc) from exc
        return [
            Device(i, str(d["name"]), int(d["max_input_channels"]), i == default_in)
            for i, d in enumerate(devices)
            if int(d["max_input_channels"]) > 0
        ]

    def open_input(
        self, device: int | None, rate: int, block: int, callback: BlockCallback
    ) -> InputStream:
        if device is None and not self.input_devices():
            raise RecordingError(
                "No microphone was found. Plug one in, or use File > Open audio file... "
                "or drag a WAV/FLAC file onto the window."
            )

        def on_block(indata: np.ndarray, frames: int, time: object, status: object) -> None:
            callback(indata[:, 0].copy())

        try:
            return self._sd.InputStream(
                samplerate=rate,
                blocksize=block,
                device=device,
                channels=1,
                dtype="float32",
                callback=on_block,
            )
        except Exception as exc:
            raise explain_portaudio_error(exc) from exc

    def play(self, samples: np.ndarray, rate: int) -> None:
        try:
            self._sd.play(np.asarray(samples, dtype=np.float32), rate)
        except Exception as exc:
            raise explain_portaudio_error(exc, "speaker") from exc

    def stop_playback(self) -> None:
        try:
            self._sd.stop()
        except Exception:  # nothing was playing, or the device went away: nothing to stop
            pass


class FakeInputStream:
    """An input stream whose blocks come from :meth:`feed` (tests drive it by hand)."""

    def __init__(self, block: int, callback: BlockCallback) -> None:
        self.block = block
        self.callback = callback
        self.running = False
        self.closed = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def close(self) -> None:
        self.running = False
        self.closed = True

    def feed(self, samples: np.ndarray) -> None:
        """Deliver ``samples`` block by block, as PortAudio would while running."""
        samples = np.asarray(samples, dtype=np.float32)
        for i in range(0, len(samples), self.block):
            if not self.running:
                return
            self.callback(samples[i : i + self.block])


class FakeBackend:
    """A backend without hardware. ``devices=[]`` behaves like a machine with no microphone;
    ``error`` makes opening the microphone fail with that message."""

    def __init__(self, devices: Sequence[Device] | None = None, error: str | None = None):
        self.devices = list(devices) if devices is not None else [Device(0, "Fake mic", 1, True)]
        self.error = error
        self.streams: list[FakeInputStream] = []
        self.played: list[tuple[np.ndarray, int]] = []

    def input_devices(self) -> list[Device]:
        return list(self.devices)

    def open_input(
        self, device: int | None, rate: int, block: int, callback: BlockCallback
    ) -> FakeInputStream:
        if self.error:
            raise RecordingError(self.error)
        if not self.devices:
            raise RecordingError(
                "No microphone was found. Plug one in, or use File > Open audio file... "
                "or drag a WAV/FLAC file onto the window."
            )
        stream = FakeInputStream(block, callback)
        self.streams.append(stream)
        return stream

    @property
    def stream(self) -> FakeInputStream:
        return self.streams[-1]

    def play(self, samples: np.ndarray, rate: int) -> None:
        self.played.append((np.asarray(samples, dtype=np.float32), rate))

    def stop_playback(self) -> None:
        pass


def default_backend() -> AudioBackend:
    """The real backend, or a :class:`FakeBackend` with no devices if PortAudio is missing."""
    try:
        return SoundDeviceBackend()
    except RecordingError:
        return FakeBackend(devices=[])


def dbfs(block: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
    return 20.0 * np.log10(rms + 1e-9)


class Recorder:
    """Collects one take from an input stream. Thread-safe: blocks arrive on the audio
    thread while the GUI polls :attr:`level_dbfs`, :attr:`elapsed` and :meth:`should_stop`."""

    def __init__(self, backend: AudioBackend, rate: int = RECORD_RATE) -> None:
        self.backend = backend
        self.rate = rate
        self._lock = threading.Lock()
        self._blocks: list[np.ndarray] = []
        self._frames = 0
        self._level = -120.0
        self._speech_s = 0.0
        self._silence_s = 0.0
        self._stream: InputStream | None = None

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self, device: int | None = None) -> None:
        """Open and start the stream; raises :class:`RecordingError` with a clear message."""
        if self._stream is not None:
            return
        with self._lock:
            self._blocks, self._frames = [], 0
            self._level, self._speech_s, self._silence_s = -120.0, 0.0, 0.0
        block = int(self.rate * BLOCK_SECONDS)
        stream = self.backend.open_input(device, self.rate, block, self._on_block)
        try:
            stream.start()
        except RecordingError:
            stream.close()
            raise
        except Exception as exc:
            stream.close()
            raise explain_portaudio_error(exc) from exc
        self._stream = stream

    def _on_block(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        level = dbfs(block)
        seconds = len(block) / self.rate
        with self._lock:
            if self._frames >= MAX_RECORD_SECONDS * self.rate:
                return
            self._blocks.append(block)
            self._frames += len(block)
            self._level = level
            if level > SPEECH_DBFS:
                self._speech_s += seconds
                self._silence_s = 0.0
            else:
                self._silence_s += seconds

    def stop(self) -> np.ndarray:
        """Stop and return the take (float32 mono at :attr:`rate`)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()
        with self._lock:
            take = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
            self._level = -120.0
        return take

    @property
    def level_dbfs(self) -> float:
        with self._lock:
            return self._level

    @property
    def elapsed(self) -> float:
        with self._lock:
            return self._frames / self.rate

    def should_stop(self) -> bool:
        """True once the speaker has said something and then been quiet for a while,
        or the take has reached its maximum length."""
        with self._lock:
            if self._frames >= MAX_RECORD_SECONDS * self.rate:
                return True
            return self._speech_s >= MIN_SPEECH_S and self._silence_s >= TRAILING_SILENCE_S


def encode_wav(samples: np.ndarray, rate: int) -> bytes:
    """``samples`` as a 16-bit PCM WAV file, in memory."""
    import io

    buf = io.BytesIO()
    sf.write(
        buf,
        np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0),
        rate,
        subtype="PCM_16",
        format="WAV",
    )
    return buf.getvalue()


def write_recording(samples: np.ndarray, rate: int, path: str | Path) -> Path:
    """Write ``samples`` to ``path`` atomically (the old file, if any, stays until the new
    one is complete). Raises :class:`~tutor.atomic.SaveError` with a plain message; never
    leaves a 0-byte or partial file."""
    path = Path(path)
    try:
        data = encode_wav(samples, rate)
        return atomic.write_bytes(path, data)
    except Exception as exc:  # OSError, soundfile's RuntimeError, ValueError...
        raise atomic.SaveError(
            f"Your recording could not be saved: {atomic.describe_write_error(exc, path)}.", path
        ) from exc


def save_recording(samples: np.ndarray, rate: int, folder: Path, stem: str = "take") -> Path:
    """Write ``samples`` as 16-bit WAV into ``folder`` under a timestamped, unique name.

    Raises :class:`~tutor.atomic.SaveError` (whatever failed: a full disk, a read-only
    folder, a name too long); nothing is left in ``folder`` then."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60] or "take"
    path = folder / f"{stamp}-{safe}.wav"
    return write_recording(samples, rate, path)
