"""Read a split (``train`` or ``test``) of the speechocean762 corpus, in either layout:

- the **release** as it unpacks from OpenSLR (https://www.openslr.org/101/):
  ``DIR/WAVE/SPEAKERxxxx/UTT.WAV``, the labels of all utterances in
  ``DIR/resource/scores.json``, and Kaldi lists per split (``DIR/SPLIT/wav.scp``, ``text``,
  ``utt2spk``);
- the **converted** layout: ``DIR/SPLIT/audio/SPEAKERxxxx/UTT.flac`` and
  ``DIR/SPLIT/scores.json`` (same schema).

Used by ``tutor bench`` and by the training pipeline, so both see the same utterances.
A missing or partial corpus is a :class:`CorpusError` whose message names what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScoringError
from .phones import base_phone

RELEASE_URL = "https://www.openslr.org/101/"
AUDIO_SUFFIXES = {".flac", ".wav"}


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
    raw = entry["phones"]
    phones = tuple(raw.split() if isinstance(raw, str) else (str(p) for p in raw))
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


def _utterance(utt_id: str, audio: Path, entry: dict, scores_path: Path) -> LabelledUtterance:
    try:
        return LabelledUtterance(
            utt_id=utt_id,
            speaker=audio.parent.name,  # SPEAKERxxxx in both layouts
            audio=audio,
            text=str(entry["text"]),
            words=tuple(_word(w) for w in entry["words"]),
            accuracy=float(entry["accuracy"]),
            fluency=float(entry["fluency"]),
            prosodic=float(entry["prosodic"]),
            completeness=float(entry["completeness"]),
            total=float(entry["total"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorpusError(f"{scores_path}: utterance {utt_id} is malformed: {exc}") from exc


def _read_scores(scores_path: Path, what: str) -> dict:
    if not scores_path.is_file():
        raise CorpusError(f"{scores_path} is missing: it holds the labels of {what}.")
    try:
        scores = json.loads(scores_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{scores_path} is not valid JSON: {exc}") from exc
    if not isinstance(scores, dict) or not scores:
        raise CorpusError(
            f"{scores_path} should map utterance ids to labels; it is empty or not a map."
        )
    return scores


def is_release_layout(data_dir: Path) -> bool:
    """The corpus as its release unpacks (``WAVE/``, ``resource/``), not the converted one."""
    return (data_dir / "resource").is_dir() or (data_dir / "WAVE").is_dir()


def _corpus_root(data_dir: Path, split: str) -> Path:
    """``data_dir``, or its ``speechocean762/`` folder when given the folder the archive
    was unpacked in."""
    inner = data_dir / "speechocean762"
    if not (data_dir / split).is_dir() and not is_release_layout(data_dir) and inner.is_dir():
        return inner
    return data_dir


def labels_path(data_dir: str | Path, split: str) -> Path:
    """The JSON file holding the labels of ``split``."""
    root = _corpus_root(Path(data_dir), split)
    return (
        root / "resource" / "scores.json"
        if is_release_layout(root)
        else root / split / "scores.json"
    )


def _no_split(data: Path, split: str) -> CorpusError:
    found = sorted(
        p.name
        for p in (data.iterdir() if data.is_dir() else ())
        if p.is_dir()
        and p.name != "resource"  # the release's labels, not a split
        and ((p / "scores.json").is_file() or (p / "wav.scp").is_file())
    )
    where = f"No split folder {data / split}" if data.is_dir() else f"No corpus folder {data}"
    return CorpusError(
        f"{where}: expected speechocean762 as released (WAVE/, resource/scores.json, "
        f"{split}/wav.scp) or converted ({split}/scores.json, {split}/audio/SPEAKER/UTT.flac)"
        + (f"; splits found: {', '.join(found)}" if found else "")
        + f". The corpus is published at {RELEASE_URL}"
    )


def load_split(data_dir: str | Path, split: str) -> list[LabelledUtterance]:
    """All utterances of ``split`` that have both labels and audio, sorted by id."""
    data = _corpus_root(Path(data_dir), split)
    if not (data / split).is_dir():
        raise _no_split(data, split)
    if is_release_layout(data):
        return _load_release(data, split)
    return _load_converted(data, split)


def _load_release(data: Path, split: str) -> list[LabelledUtterance]:
    """The release layout: ``SPLIT/wav.scp`` lists the audio, ``resource/scores.json`` labels
    every utterance of both splits. Anything listed but missing is an error, not a skip:
    a partly unpacked corpus would give other figures without saying so."""
    wav_scp = data / split / "wav.scp"
    if not wav_scp.is_file():
        raise CorpusError(
            f"{wav_scp} is missing: it lists the audio of split {split!r} "
            f"(the release's {split}/ folder holds text, utt2spk and wav.scp)."
        )
    listed: dict[str, Path] = {}
    for n, line in enumerate(wav_scp.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise CorpusError(f"{wav_scp}:{n} should read 'UTTERANCE_ID PATH', not {line!r}")
        listed[parts[0]] = data / parts[1].strip()
    if not listed:
        raise CorpusError(f"{wav_scp} lists no utterances.")
    scores_path = data / "resource" / "scores.json"
    scores = _read_scores(scores_path, "every utterance of the release")
    no_audio = [a for a in listed.values() if not a.is_file()]
    no_labels = sorted(u for u in listed if u not in scores)
    if no_audio:
        raise CorpusError(
            f"{len(no_audio)} of the {len(listed)} audio files {wav_scp} lists are missing, "
            f"e.g. {no_audio[0]}: the corpus is not fully unpacked."
        )
    if no_labels:
        raise CorpusError(
            f"{len(no_labels)} of the {len(listed)} utterances {wav_scp} lists have no labels "
            f"in {scores_path}, e.g. {no_labels[0]}."
        )
    return [_utterance(u, listed[u], scores[u], scores_path) for u in sorted(listed)]


def _load_converted(data: Path, split: str) -> list[LabelledUtterance]:
    root = data / split
    scores_path = root / "scores.json"
    scores = _read_scores(scores_path, f"split {split!r}")
    audio_index = {
        p.stem: p for p in (root / "audio").glob("*/*") if p.suffix.lower() in AUDIO_SUFFIXES
    }
    if not audio_index:
        raise CorpusError(f"No audio under {root / 'audio'} (expected audio/SPEAKER/UTT.flac).")
    utterances = [
        _utterance(utt_id, audio_index[utt_id], scores[utt_id], scores_path)
        for utt_id in sorted(scores)
        if utt_id in audio_index
    ]
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
