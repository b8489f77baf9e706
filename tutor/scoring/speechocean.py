"""Read a speechocean762-style split: ``DIR/SPLIT/audio/SPEAKER*/UTT.flac`` + ``scores.json``.

Used by ``tutor bench`` and by the training pipeline, so both see the same utterances.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScoringError
from .phones import base_phone


class CorpusError(ScoringError):
    """The data folder is missing or does not follow the speechocean762 layout."""


@dataclass(frozen=True)
class LabelledWord:
    text: str
    phones: tuple[str, ...]  # canonical CMU phones, stress digits as in the corpus
    phone_scores: tuple[float, ...]  # 0..2 (mean of experts)
    accuracy: float
    stress: float
    total: float


@dataclass(frozen=True)
class LabelledUtterance:
    utt_id: str
    speaker: str
    audio: Path
    text: str
    words: tuple[LabelledWord, ...]
    accuracy: float
    fluency: float
    prosodic: float
    completeness: float
    total: float


def _word(entry: dict) -> LabelledWord:
    phones = tuple(str(p) for p in entry["phones"])
    for p in phones:
        base_phone(p)  # raises ValueError on a phone outside the CMU set
    scores = tuple(float(s) for s in entry["phones-accuracy"])
    if len(scores) != len(phones):
        raise ValueError(
            f"word {entry.get('text')!r} has {len(phones)} phones, {len(scores)} scores"
        )
    return LabelledWord(
        text=str(entry["text"]),
        phones=phones,
        phone_scores=scores,
        accuracy=float(entry["accuracy"]),
        stress=float(entry.get("stress", 10)),
        total=float(entry.get("total", entry["accuracy"])),
    )


def load_split(data_dir: str | Path, split: str) -> list[LabelledUtterance]:
    """All utterances of ``split`` that have both labels and audio, sorted by id."""
    root = Path(data_dir) / split
    if not root.is_dir():
        raise CorpusError(f"No split folder {root} (expected DIR/{split}/scores.json and audio/).")
    scores_path = root / "scores.json"
    if not scores_path.is_file():
        raise CorpusError(f"{scores_path} is missing: it holds the labels of split {split!r}.")
    try:
        scores = json.loads(scores_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{scores_path} is not valid JSON: {exc}") from exc
    if not isinstance(scores, dict) or not scores:
        raise CorpusError(
            f"{scores_path} should map utterance ids to labels; it is empty or not a map."
        )
    audio_index = {
        p.stem: p for p in (root / "audio").glob("*/*") if p.suffix.lower() in {".flac", ".wav"}
    }
    if not audio_index:
        raise CorpusError(f"No audio under {root / 'audio'} (expected audio/SPEAKER/UTT.flac).")
    utterances = []
    for utt_id in sorted(scores):
        entry = scores[utt_id]
        audio = audio_index.get(utt_id)
        if audio is None:
            continue
        try:
            words = tuple(_word(w) for w in entry["words"])
            utt = LabelledUtterance(
                utt_id=utt_id,
                speaker=audio.parent.name,
                audio=audio,
                text=str(entry["text"]),
                words=words,
                accuracy=float(entry["accuracy"]),
                fluency=float(entry["fluency"]),
                prosodic=float(entry["prosodic"]),
                completeness=float(entry["completeness"]),
                total=float(entry["total"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CorpusError(f"{scores_path}: utterance {utt_id} is malformed: {exc}") from exc
        utterances.append(utt)
    if not utterances:
        raise CorpusError(
            f"None of the {len(scores)} labelled utterances in {scores_path} has audio."
        )
    return utterances


def load_expert_phone_scores(data_dir: str | Path, split: str) -> dict[str, np.ndarray] | None:
    """Each expert's own phone scores, ``utt_id -> (n_experts, n_phones)``, from the split's
    ``experts.json``; ``None`` when the split has none (the human reference is then skipped).
    Utterances whose per-expert lists do not line up are left out."""
    path = Path(data_dir) / split / "experts.json"
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} is not valid JSON: {exc}") from exc
    out: dict[str, np.ndarray] = {}
    for utt_id, entry in raw.items() if isinstance(raw, dict) else ():
        try:
            words = entry["phones-accuracy-by-expert"]
            n_experts = len(words[0])
            rows = [[s for w in words for s in w[e]] for e in range(n_experts)]
            out[utt_id] = np.asarray(rows, dtype=np.float32)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return out
