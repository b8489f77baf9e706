"""Synthetic speech for distillation: the teacher hears it, the labels say what was said.

A :mod:`tutor.train.synth` manifest (festival, flite and espeak-ng reading the lessons' and
the corpus's prompts, a share of them with deliberate mispronunciations) becomes distillation
examples: Whisper's frames are extracted into the teacher folder beside the learners' (so
the teacher's phone model labels them), and the hard labels are the phones the engine was
told to *say*, not the prompt's, so "S IH NG K" spoken for *think* teaches S. Festival and
flite give exact phone times; espeak-ng's takes are force-aligned to their spoken phones.

    python -m tutor.train.distil_whisper ... --synth runs/synth/manifest.jsonl
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.atomic import write_bytes
from tutor.scoring.alignment import force_align
from tutor.scoring.audio import load_audio
from tutor.scoring.errors import AudioError
from tutor.scoring.features import frame_features
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import PHONE_INDEX, SILENCE, base_phone

from .acoustic import phone_positions
from .mispronounce import PhoneError, spoken_with_origin
from .models import output_frames
from .synth_data import frame_labels, manifest_hash, parse_segments, read_manifest
from .teacher_phones import teacher_digest, teacher_posteriors
from .whisper_teacher import extract

FRAME_SHIFT_S = 0.02  # the student's output frames and the teacher's


@dataclass(frozen=True)
class SynthTake:
    """One synthetic utterance, shaped like a corpus utterance for the teacher's tools."""

    utt_id: str
    audio: Path
    words: tuple[tuple[str, ...], ...]  # spoken phones per word (stress kept)
    segments: object  # the manifest's raw phone times, or None (espeak-ng)


def read_takes(manifest: Path) -> list[SynthTake]:
    """The manifest's usable records (audio present, spoken phones given)."""
    takes = []
    for r in read_manifest(manifest, Counter()):
        try:
            words = tuple(tuple(str(p) for p in w["spoken"]) for w in r["words"])
            audio = manifest.parent / str(r["audio"])
        except (KeyError, TypeError):
            continue
        if audio.is_file() and any(words):
            takes.append(SynthTake(str(r["id"]), audio, words, r.get("segments")))
    return takes


def swapped_origins(record: dict) -> tuple[tuple[int, str], ...]:
    """``(position, prompt's phone)`` for each phone the engine said in place of the
    prompt's (positions among the record's spoken phones, flat, silence left out); () when
    the record's errors do not parse."""
    try:
        errors = [PhoneError.from_dict(e) for e in record.get("errors") or []]
        spoken = [
            origin
            for i, word in enumerate(record["words"])
            for _, origin in spoken_with_origin(
                list(word["canonical"]), [e for e in errors if e.word_index == i]
            )
        ]
    except (KeyError, TypeError, ValueError):
        return ()
    return tuple(
        (k, str(e.from_))
        for k, e in enumerate(spoken)
        if e is not None and e.kind == "substitution"
    )


def swapped_prompt_phones(
    labels: np.ndarray, positions: Sequence[int], spoken: Sequence[str], prompt: Sequence[str]
) -> np.ndarray:
    """Per frame of ``labels``, the index of the phone the prompt asked for where the take
    said another (``prompt[j]`` in place of ``spoken[positions[j]]``), -1 elsewhere and
    everywhere when the labels do not follow ``spoken``: ``>= 0`` marks the swapped frames."""
    out = np.full(len(labels), -1, dtype=np.int64)
    pos = phone_positions(labels, spoken)
    if pos is None:
        return out
    for k, phone in zip(positions, prompt, strict=True):
        out[pos == k] = PHONE_INDEX[base_phone(phone)]
    return out


def audio_key(path: Path) -> tuple[str, str]:
    """A take's audio file by engine folder and name: the cached examples keep the path of
    the run that made them, which may be another run folder's link to the same takes."""
    return path.parent.name, path.name


def swaps_by_audio(
    manifest: Path,
) -> dict[tuple[str, str], tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]]:
    """Each take's swapped positions, its spoken phones and the prompt's phones at those
    positions, by :func:`audio_key`."""
    out = {}
    for r in read_manifest(manifest, Counter()):
        origins = swapped_origins(r)
        if origins:
            spoken = tuple(p for w in r["words"] for p in w["spoken"])
            positions, prompt = zip(*origins, strict=True)
            out[audio_key(manifest.parent / str(r["audio"]))] = (positions, spoken, prompt)
    return out


def take_labels(take: SynthTake, feats: np.ndarray, acoustic: AcousticModel) -> np.ndarray:
    """The spoken phone under every 20 ms output frame of the take's log-mel ``feats``: the
    engine's times where it gave them, else the forced alignment of the spoken phones
    (ValueError if neither works)."""
    spoken = [p for w in take.words for p in w]
    seconds = len(feats) * acoustic.features.frame_shift_ms / 1000
    segments = parse_segments(take.segments, spoken, seconds)
    if not isinstance(segments, str):
        return frame_labels(segments, output_frames(len(feats)), FRAME_SHIFT_S)
    log_post = acoustic.log_posteriors(feats)
    labels = np.full(len(log_post), PHONE_INDEX[SILENCE], np.int64)
    for p in force_align(log_post, [[list(w)] for w in take.words if w]).phones:
        labels[p.start : p.end] = PHONE_INDEX[p.phone]
    return labels


def synth_targets(
    manifest: Path, teacher: Path, acoustic: AcousticModel, threads: int = 2
) -> list[tuple[Path, np.ndarray, np.ndarray, np.ndarray]]:
    """``(audio path, log-mel features, teacher log posteriors, labels)`` for every usable take,
    cached in the teacher folder (keyed by the manifest, the aligning model and the
    teacher's phone model); the teacher's frames are extracted first where missing
    (resumable)."""
    teacher_hash = teacher_digest(teacher)
    key = hashlib.sha1(
        f"{manifest_hash(manifest)}:{acoustic.metadata.get('version')}:{teacher_hash}".encode()
    ).hexdigest()[:16]
    cache = teacher / f"synth-examples-{key}.pkl"
    if cache.is_file():
        cached: list[tuple[Path, np.ndarray, np.ndarray, np.ndarray]] = pickle.loads(
            cache.read_bytes()
        )
        return cached
    takes = read_takes(manifest)
    extract(takes, teacher, threads)
    post = teacher_posteriors(teacher)
    out = []
    for k, take in enumerate(takes):
        soft = post(take, 1.0)
        try:
            feats = frame_features(load_audio(take.audio).samples, acoustic.features)
            labels = take_labels(take, feats, acoustic)
        except (AudioError, ValueError):
            continue
        if soft is None:
            continue
        n = min(len(labels), len(soft))
        out.append((take.audio, feats.astype(np.float16), soft[:n].astype(np.float32),
                    labels[:n]))  # fmt: skip
        if (k + 1) % 500 == 0:
            print(f"synth examples: {k + 1}/{len(takes)}", file=sys.stderr, flush=True)
    write_bytes(cache, pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    return out
