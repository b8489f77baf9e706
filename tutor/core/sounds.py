"""The progress overview of every sound a learner has practised: attempts, average, trend
and next review (plain Python; the Progress dialog's table draws these rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tutor.practice import item_states
from tutor.progress.records import AttemptRecord

from .library import Library

STEADY = 0.1  # a trend smaller than this (of 2) reads as "steady"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 attempt"``, ``"2 attempts"`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def trend(scores: Sequence[float]) -> float | None:
    """The latest attempts against the first ones (up to three each; positive = better);
    ``None`` with fewer than two attempts, where a trend would mean nothing."""
    if len(scores) < 2:
        return None
    k = max(1, min(3, len(scores) // 2))
    return sum(scores[-k:]) / k - sum(scores[:k]) / k


def trend_text(change: float | None) -> str:
    if change is None:
        return "–"
    if abs(change) < STEADY:
        return "→ steady"
    return f"↑ +{change:.1f}" if change > 0 else f"↓ −{-change:.1f}"


@dataclass(frozen=True)
class SoundRow:
    phone: str
    attempts: int  # attempts in which the sound was said
    average: float  # 0..2 over those attempts
    trend: float | None  # see :func:`trend`
    next_review: datetime | None  # the soonest an item practising it is due again


def sound_overview(
    history: Mapping[str, Sequence[float]], next_review: Mapping[str, datetime] | None = None
) -> list[SoundRow]:
    """One row per sound from its per-attempt scores (oldest first), weakest first."""
    due = next_review or {}
    rows = [
        SoundRow(phone, len(s), sum(s) / len(s), trend(s), due.get(phone))
        for phone, s in history.items()
        if s
    ]
    rows.sort(key=lambda r: (r.average, r.phone))
    return rows


def next_reviews(
    library: Library, records: Callable[[str], Sequence[AttemptRecord]]
) -> dict[str, datetime]:
    """For each focus sound, when the first item practising it (tried before) is due."""
    out: dict[str, datetime] = {}
    for pack in library.packs:
        history = records(pack.id)
        if not history:
            continue
        focus = {i.id: i.focus_phones or pack.focus_phones for i in pack.items}
        for item_id, state in item_states(history, focus).items():
            if (due := state.due()) is None or state.is_new:
                continue
            for phone in focus[item_id]:
                if phone not in out or due < out[phone]:
                    out[phone] = due
    return out
