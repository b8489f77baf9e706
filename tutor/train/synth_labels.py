"""Labels for synthetic speech: check an engine said what was asked (benign dictionary
variants accepted), level the audio, and write the manifest record."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tutor.scoring.lexicon import Lexicon
from tutor.scoring.phones import split_stress

from .synth_items import Rendered, SynthError, SynthItem


def reconcile(item: SynthItem, produced: Sequence[str], lexicon: Lexicon | None = None) -> None:
    """Check the engine said ``item``'s spoken phones; fix benign variant swaps in place.

    A word whose produced phones differ is accepted only if it carries no deliberate error
    and the produced phones are another dictionary variant of it (e.g. "the" as DH IY0);
    its canonical and spoken phones then become that variant.  Raises ``SynthError``.
    """
    wanted = item.spoken_bases
    if list(produced) == wanted:
        return
    if len(produced) != len(wanted):
        raise SynthError(
            f"{item.id}: engine said {' '.join(produced)!r}, asked for {' '.join(wanted)!r}"
        )
    lexicon = lexicon or Lexicon.default()
    erroneous = {e.word_index for e in item.errors}
    pos = 0
    for index, word in enumerate(item.words):
        got = list(produced[pos : pos + len(word.spoken)])
        pos += len(word.spoken)
        if got == [split_stress(p)[0] for p in word.spoken]:
            continue
        variant = next(
            (v for v in lexicon.lookup(word.text) if [split_stress(p)[0] for p in v] == got),
            None,
        )
        if index in erroneous or variant is None:
            raise SynthError(f"{item.id}: {word.text!r} came out as {' '.join(got)!r}")
        word.canonical = word.spoken = tuple(variant)


def _level(samples: np.ndarray) -> np.ndarray:
    """Bring speech to about -20 dBFS RMS, peak at most -1 dBFS (engines differ widely)."""
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0
    if rms == 0.0:
        return samples
    scale = min(0.1 / rms, 0.89 / float(np.max(np.abs(samples))))
    return (samples * scale).astype(np.float32)


def record(item: SynthItem, audio_rel: str, rendered: Rendered) -> dict:
    return {
        "id": item.id,
        "audio": audio_rel,
        "text": item.text,
        "engine": item.engine,
        "voice": item.voice,
        "words": [
            {"text": w.text, "canonical": list(w.canonical), "spoken": list(w.spoken)}
            for w in item.words
        ],
        "segments": None if rendered.segments is None else [list(s) for s in rendered.segments],
        "errors": [e.to_dict() for e in item.errors],
    }
