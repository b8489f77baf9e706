"""Reference voices, offline: a Piper neural voice by default, espeak-ng as the fallback,
and pitch-preserving slow playback. No Qt here."""

from .compare import take_then_model
from .errors import VoiceError
from .espeak import espeak_available
from .stretch import time_stretch
from .voices import (
    SLOW_SPEED,
    Speech,
    VoiceInfo,
    default_voice,
    find_voice,
    list_voices,
    speak,
)

__all__ = [
    "SLOW_SPEED",
    "Speech",
    "VoiceError",
    "VoiceInfo",
    "default_voice",
    "espeak_available",
    "find_voice",
    "list_voices",
    "speak",
    "take_then_model",
    "time_stretch",
]
