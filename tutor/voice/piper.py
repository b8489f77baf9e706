"""A thin runner for Piper voices (VITS models exported to ONNX) on onnxruntime.

The Piper project's own Python runtime (``piper-tts``) is GPL-3.0 and links espeak-ng into
the process, so tutor does not use it: this module reads the voice's JSON config, gets IPA
phonemes from the espeak-ng *program* (:mod:`tutor.voice.espeak`), maps them to the
voice's phoneme ids the way Piper voices were trained (``^`` + each code point after NFD
followed by the pad ``_`` + ``$``) and runs the model: inputs ``input`` (ids),
``input_lengths``, ``scales`` = (noise, length, noise_w) and ``sid`` for multi-speaker
voices; output: float audio at the config's sample rate.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import VoiceError
from .espeak import espeak_available, espeak_ipa

BOS, EOS, PAD = "^", "$", "_"
SENTENCE_GAP_S = 0.2
_CHUNK = re.compile(r"(?<=[.,;:!?])\s+")
_SENTENCE_END = ".!?"


@dataclass(frozen=True)
class PiperConfig:
    sample_rate: int
    espeak_voice: str
    phoneme_ids: dict[str, list[int]]
    noise_scale: float
    length_scale: float
    noise_w: float
    num_speakers: int

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PiperConfig:
        try:
            raw: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
            if raw.get("phoneme_type", "espeak") != "espeak":
                raise VoiceError(
                    f"{Path(path).name}: only espeak-phonemized Piper voices "
                    f"are supported (this one: {raw.get('phoneme_type')})."
                )
            inference = raw.get("inference", {})
            ids = {str(k): [int(i) for i in v] for k, v in raw["phoneme_id_map"].items()}
            for symbol in (BOS, EOS, PAD):
                if symbol not in ids:
                    raise VoiceError(f"{Path(path).name}: no id for {symbol!r}.")
            return cls(
                sample_rate=int(raw["audio"]["sample_rate"]),
                espeak_voice=str(raw.get("espeak", {}).get("voice", "en-us")),
                phoneme_ids=ids,
                noise_scale=float(inference.get("noise_scale", 0.667)),
                length_scale=float(inference.get("length_scale", 1.0)),
                noise_w=float(inference.get("noise_w", 0.8)),
                num_speakers=int(raw.get("num_speakers", 1)),
            )
        except VoiceError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VoiceError(
                f"{Path(path).name} is not a usable Piper voice config: {exc}"
            ) from exc


PHONEMIZERS = ("espeak", "lexicon")


def default_phonemizer() -> str:
    """espeak-ng (what Piper voices were trained on) when installed, else the lexicon."""
    return "espeak" if espeak_available() else "lexicon"


def phonemize(text: str, espeak_voice: str, phonemizer: str = "espeak") -> list[list[str]]:
    """Text -> sentences -> phoneme symbols (IPA code points after NFD, punctuation kept).

    ``phonemizer``: ``"espeak"`` (the espeak-ng program) or ``"lexicon"`` (the scorer's
    expected phones, see :mod:`tutor.voice.arpabet_ipa`; needs no espeak-ng).
    """
    if phonemizer not in PHONEMIZERS:
        raise ValueError(f"unknown phonemizer {phonemizer!r}")
    from .arpabet_ipa import lexicon_ipa

    sentences: list[list[str]] = []
    current: list[str] = []
    for chunk in _CHUNK.split(" ".join(text.split())):
        body = chunk.rstrip(".,;:!?")
        marks = chunk[len(body) :]
        if not body.strip():
            ipa = ""
        elif phonemizer == "espeak":
            ipa = " ".join(espeak_ipa(body, espeak_voice))
        else:
            ipa = lexicon_ipa(body)
        terminator = marks[:1]
        current.extend(unicodedata.normalize("NFD", ipa + terminator))
        if terminator and terminator in _SENTENCE_END:
            sentences.append(current)
            current = []
        elif terminator:
            current.append(" ")
    if current:
        sentences.append(current)
    return [s for s in sentences if any(ch.isalpha() for ch in s)]


def to_ids(symbols: list[str], id_map: dict[str, list[int]]) -> list[int]:
    ids = [*id_map[BOS], *id_map[PAD]]
    for symbol in symbols:
        if symbol in id_map:  # symbols the voice never saw are left out, as Piper does
            ids += [*id_map[symbol], *id_map[PAD]]
    return [*ids, *id_map[EOS]]


class PiperVoice:
    """One loaded Piper voice. Loading takes ~0.3 s; :meth:`speak` is thread-safe."""

    def __init__(self, model: str | os.PathLike[str], config: str | os.PathLike[str]) -> None:
        import onnxruntime as ort

        self.model_path = Path(model)
        self.config = PiperConfig.load(config)
        if not self.model_path.is_file():
            raise VoiceError(f"The voice model {self.model_path} is missing.")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(self.model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise VoiceError(
                f"The voice model {self.model_path.name} could not be loaded: {exc}"
            ) from exc
        self._inputs = {i.name for i in self._session.get_inputs()}

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    def speak(
        self, text: str, length_scale: float | None = None, phonemizer: str | None = None
    ) -> np.ndarray:
        """Mono float32 audio at :attr:`sample_rate`; ``length_scale`` > 1 speaks slower;
        ``phonemizer`` defaults to :func:`default_phonemizer`."""
        cfg = self.config
        phonemizer = phonemizer or default_phonemizer()
        scale = cfg.length_scale if length_scale is None else float(length_scale)
        gap = np.zeros(int(SENTENCE_GAP_S * cfg.sample_rate), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for sentence in phonemize(text, cfg.espeak_voice, phonemizer):
            ids = to_ids(sentence, cfg.phoneme_ids)
            feeds: dict[str, np.ndarray] = {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": np.array([cfg.noise_scale, scale, cfg.noise_w], dtype=np.float32),
            }
            if "sid" in self._inputs:
                feeds["sid"] = np.array([0], dtype=np.int64)
            try:
                audio = self._session.run(None, feeds)[0]
            except Exception as exc:  # onnxruntime raises its own exception types
                raise VoiceError(f"The voice could not speak {text!r}: {exc}") from exc
            pieces += [np.asarray(audio, dtype=np.float32).reshape(-1), gap]
        if not pieces:
            raise VoiceError(f"There is nothing to speak in {text!r}.")
        samples = np.concatenate(pieces[:-1])
        peak = float(np.max(np.abs(samples))) if samples.size else 0.0
        return (samples * (0.9 / peak) if peak > 0.01 else samples).astype(np.float32)


_CACHE: dict[Path, PiperVoice] = {}
_CACHE_LOCK = threading.Lock()


def load_voice(model: Path, config: Path) -> PiperVoice:
    """A loaded voice, kept for the life of the process (the app speaks many prompts)."""
    with _CACHE_LOCK:
        voice = _CACHE.get(model)
        if voice is None:
            voice = _CACHE[model] = PiperVoice(model, config)
        return voice
