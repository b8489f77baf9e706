"""A tiny speechocean762-layout corpus made with espeak-ng, for bench and pipeline tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from tutor.scoring.lexicon import Lexicon
from tutor.train.dataset import valid_speakers

SENTENCES = [
    "I think this is the right answer", "we call it bear", "she sells sea shells",
    "the red car is very fast", "three free trees", "thank you very much",
    "good job", "they live over there", "look at the light", "a bad bed",
    "ship and sheep", "full of food",
]  # fmt: skip
VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m3"]


def make_tiny_corpus(root: Path, split: str = "tiny", n: int = 12) -> Path:
    """``n`` utterances by four speakers (two of them in the validation slice)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to make test speech")
    lexicon = Lexicon.default()
    valid = sorted(valid_speakers())[:2]
    speakers = [*valid, "SPEAKER9001", "SPEAKER9002"]
    scores: dict[str, dict] = {}
    for k in range(n):
        speaker = speakers[k % len(speakers)]
        text = SENTENCES[k % len(SENTENCES)]
        utt_id = f"{speaker[-4:]}{k:05d}"
        folder = root / split / "audio" / speaker
        folder.mkdir(parents=True, exist_ok=True)
        wav = folder / f"{utt_id}.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICES[k % len(VOICES)], "-s", "150", "-w", str(wav), text],
            check=True,
        )
        data, rate = sf.read(str(wav))
        sf.write(str(folder / f"{utt_id}.flac"), data, rate)
        wav.unlink()
        words = []
        for j, word in enumerate(text.upper().split()):
            phones = list(lexicon.lookup(word)[0])
            acc = [2.0] * len(phones)
            if (k + j) % 3 == 0:
                acc[0] = 0.6  # a labelled error, so the scores vary
            words.append(
                {
                    "text": word,
                    "phones": phones,
                    "phones-accuracy": acc,
                    "accuracy": 10 if min(acc) == 2 else 6,
                    "stress": 10,
                    "total": 10 if min(acc) == 2 else 6,
                }
            )
        total = 9 if k % 2 else 7
        scores[utt_id] = {
            "text": text.upper(),
            "accuracy": total,
            "completeness": 10,
            "fluency": total,
            "prosodic": total,
            "total": total,
            "words": words,
        }
    (root / split / "scores.json").write_text(json.dumps(scores))
    return root
