"""ONNX models that describe themselves: the runtime reads their metadata and refuses a
model whose contract it does not know, rather than guessing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .errors import ModelError
from .features import FeatureConfig
from .phones import PHONE_SET

ACOUSTIC_CONTRACT = "tutor-acoustic-1"
HEAD_CONTRACT = "tutor-head-1"


def _session(path: Path, threads: int) -> ort.InferenceSession:
    if not path.is_file():
        raise ModelError(f"Scoring model not found: {path}. Reinstall tutor or pass --models.")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for bad files
        raise ModelError(f"{path.name} is not a usable ONNX model: {exc}") from exc


def _metadata(session: ort.InferenceSession, path: Path, contract: str) -> dict[str, str]:
    meta = dict(session.get_modelmeta().custom_metadata_map)
    found = meta.get("contract")
    if found != contract:
        raise ModelError(
            f"{path.name} has contract {found!r}; this version of tutor needs {contract!r}."
        )
    return meta


@dataclass
class AcousticModel:
    """Log-mel frames -> frame-level log posteriors over :data:`PHONE_SET`."""

    path: Path
    session: ort.InferenceSession
    features: FeatureConfig
    subsampling: int
    metadata: dict[str, str]

    @classmethod
    def load(cls, path: Path, threads: int = 1) -> AcousticModel:
        session = _session(path, threads)
        meta = _metadata(session, path, ACOUSTIC_CONTRACT)
        phone_set = tuple(json.loads(meta.get("phone_set", "[]")))
        if phone_set != PHONE_SET:
            raise ModelError(f"{path.name} predicts an unknown phone set: {phone_set[:5]}...")
        features = FeatureConfig.from_dict(json.loads(meta["features"]))
        if features.version != FeatureConfig().version:
            raise ModelError(f"{path.name} needs features {features.version!r}, not supported")
        return cls(path, session, features, int(meta.get("subsampling", "1")), meta)

    @property
    def frame_shift(self) -> float:
        """Seconds between output frames."""
        return self.features.frame_shift_ms / 1000 * self.subsampling

    def log_posteriors(self, feats: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {"features": feats[None].astype(np.float32)})[0]
        return out[0]


@dataclass
class ScoringHead:
    """Per-phone GOP features of one utterance -> phone, word and sentence scores."""

    path: Path
    session: ort.InferenceSession
    metadata: dict[str, str]

    @classmethod
    def load(cls, path: Path, threads: int = 1) -> ScoringHead:
        session = _session(path, threads)
        return cls(path, session, _metadata(session, path, HEAD_CONTRACT))

    @cached_property
    def test_time_speeds(self) -> tuple[float, ...]:
        """Speed factors whose outputs the engine averages (metadata ``test_time_speeds``,
        written by the pipeline from the speeds the head was trained on); ``(1.0,)`` when
        the head names none."""
        raw = self.metadata.get("test_time_speeds", "")
        try:
            speeds = tuple(float(s) for s in raw.split(",") if s.strip())
        except ValueError as e:
            raise ModelError(f"{self.path.name}: bad test_time_speeds {raw!r}") from e
        if any(not 0.5 <= s <= 2.0 for s in speeds):
            raise ModelError(f"{self.path.name}: test_time_speeds out of range: {raw!r}")
        return tuple(dict.fromkeys((1.0, *speeds)))

    @cached_property
    def confusion_line(self) -> float:
        """The confusable-phone margin (nats, metadata ``confusion_line``) above which a
        phone counts as heard as that other sound, whatever the head scored; infinite
        (never) when the head names none."""
        raw = self.metadata.get("confusion_line", "")
        if not raw.strip():
            return float("inf")
        try:
            line = float(raw)
        except ValueError as e:
            raise ModelError(f"{self.path.name}: bad confusion_line {raw!r}") from e
        if not line > 0:  # NaN or a line that would flag correct phones
            raise ModelError(f"{self.path.name}: confusion_line must be positive: {raw!r}")
        return line

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        names = [o.name for o in self.session.get_outputs()]
        return dict(zip(names, self.session.run(None, inputs), strict=True))


def model_bytes(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths)
