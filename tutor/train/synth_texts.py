"""What the synthetic speech says: lesson prompts, speechocean762 prompts and everyday
words."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np

from tutor.scoring.lexicon import Lexicon

from .synth_items import SynthError

_WORD_RE = re.compile(r"^[a-z]+(?:'[a-z]+)?$")


def _clean_words(text: str) -> list[str] | None:
    words = [w.strip('.,!?;:"').lower() for w in text.split()]
    words = [w for w in words if w]
    if not words or not all(_WORD_RE.match(w) for w in words):
        return None
    return words


def corpus_texts(data_dir: Path | None, split: str = "train") -> list[str]:
    """speechocean762 prompts (numbers and odd tokens left out); none without ``data_dir``."""
    if data_dir is None:
        return []
    path = data_dir / split / "text"  # the same Kaldi list in the release and converted layouts
    if not path.is_file():
        raise SynthError(f"{path} is missing: --data should be a speechocean762 folder")
    texts = []
    for line in path.read_text().splitlines():
        _, _, text = line.partition("\t") if "\t" in line else line.partition(" ")
        if _clean_words(text):
            texts.append(text.strip())
    return list(dict.fromkeys(texts))


def lesson_texts(lessons_dir: Path | None = None) -> list[str]:
    """Item texts of the lesson packs (``*/pack.toml``; default: the built-in lessons)."""
    from tutor.paths import builtin_lessons_dir

    lessons_dir = lessons_dir or builtin_lessons_dir()
    if not lessons_dir.is_dir():
        raise SynthError(f"no lessons folder {lessons_dir}")
    texts = []
    for pack in sorted(lessons_dir.glob("*/pack.toml")):
        try:
            data = tomllib.loads(pack.read_text())
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for it in data.get("items", []):
            text = it.get("text")
            if isinstance(text, str) and _clean_words(text):
                texts.append(text.strip())
    return list(dict.fromkeys(texts))


def common_words(data_dir: Path | None, lexicon: Lexicon | None = None) -> list[str]:
    """Single words: the corpus lexicon's words (everyday vocabulary) that CMUdict knows;
    none without ``data_dir``."""
    if data_dir is None:
        return []
    lexicon = lexicon or Lexicon.default()
    words: list[str] = []
    # converted layout: DIR/lexicon.txt; the release: DIR/resource/lexicon.txt
    places = (data_dir / "lexicon.txt", data_dir / "resource" / "lexicon.txt")
    path = next((p for p in places if p.is_file()), None)
    if path is None:
        raise SynthError(f"{places[0]} is missing: --data should be a speechocean762 folder")
    for line in path.read_text().splitlines():
        word = line.split(maxsplit=1)[0].lower() if line.strip() else ""
        if _WORD_RE.match(word) and lexicon.is_known(word):
            words.append(word)
    return list(dict.fromkeys(words))


def build_texts(
    n_words: int,
    n_sentences: int,
    seed: int = 0,
    data_dir: Path | None = None,
    lessons_dir: Path | None = None,
) -> list[str]:
    """``n_sentences`` prompts (lessons first, then the corpus in ``data_dir``, if given) and
    ``n_words`` single words; sources are cycled when a count exceeds what they hold."""
    rng = np.random.default_rng(seed)
    lessons = lesson_texts(lessons_dir)
    sentences = lessons + [t for t in corpus_texts(data_dir) if len(t.split()) > 1]
    words = common_words(data_dir) + [t for t in lessons if len(t.split()) == 1]
    words = list(dict.fromkeys(words))
    chosen: list[str] = []
    for pool, n in ((sentences, n_sentences), (words, n_words)):
        if n and not pool:
            raise SynthError("no text source found (the lessons, or --data speechocean762)")
        for k in range(n):
            if k % len(pool) == 0:
                pool = [pool[int(j)] for j in rng.permutation(len(pool))]
            chosen.append(pool[k % len(pool)])
    return chosen
