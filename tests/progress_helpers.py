"""Realistic ``UtteranceResult`` objects for progress and practice tests."""

from __future__ import annotations

from tutor.scoring.result import PhoneResult, UtteranceResult, WordResult

WORDS = {
    "think": ("TH", "IH", "NG", "K"),
    "sink": ("S", "IH", "NG", "K"),
    "three": ("TH", "R", "IY"),
    "ship": ("SH", "IH", "P"),
    "sheep": ("SH", "IY", "P"),
}


def make_result(
    text: str, scores: dict[str, float] | None = None, default: float = 2.0
) -> UtteranceResult:
    """A result for ``text`` (words from :data:`WORDS`); ``scores`` sets a phone's score."""
    scores = scores or {}
    words, t = [], 0.1
    for word in text.lower().replace(",", " ").split():
        phones = []
        for phone in WORDS[word]:
            score = scores.get(phone, default)
            stress = 1 if phone in ("IH", "IY") else None
            heard = phone if score >= 1 else "S"
            phones.append(
                PhoneResult(phone, stress, t, t + 0.08, score, -0.2 - (2 - score), heard, score < 1)
            )
            t += 0.08
        acc = 5 * sum(p.score for p in phones) / len(phones)
        words.append(
            WordResult(word, tuple(phones), phones[0].start, phones[-1].end, acc, 9.0, acc)
        )
    acc = sum(w.accuracy for w in words) / len(words)
    return UtteranceResult(
        text,
        tuple(words),
        acc,
        8.0,
        10.0,
        7.5,
        round(0.8 * acc + 1.5, 3),
        t + 0.2,
        model_version="test-1",
        warnings=("quiet",),
    )
