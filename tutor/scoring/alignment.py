"""Viterbi forced alignment of expected phones to frame-level log posteriors.

The search graph is a small DAG: optional silence at both ends and between words, and for
each word one chain of phone states per pronunciation variant, so the alignment also picks
the variant the learner was closest to. A phone is a chain of ``min_frames`` states (the
last one with a self-loop), so it lasts at least that many frames — as an HMM topology's
minimum duration does — instead of collapsing to a single frame between two long ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .phones import PHONE_INDEX, SILENCE, base_phone

NEG_INF = -1e30
MIN_PHONE_FRAMES = 3  # 60 ms at the acoustic model's 20 ms frame rate (tuned on validation: 1-4)
# Stopping early costs at least this many phones' worth: a short last word ("go", "do") is
# often mumbled into the one before it, and is not "unsaid" for that.
STOP_MIN_PHONES = 4


@dataclass(frozen=True)
class AlignedPhone:
    phone: str  # base ARPAbet
    token: str  # as in the pronunciation, stress digit kept
    word_index: int
    start: int  # first frame
    end: int  # one past the last frame


@dataclass(frozen=True)
class Alignment:
    phones: tuple[AlignedPhone, ...]
    variants: tuple[int, ...]  # chosen pronunciation variant per word
    silences: tuple[tuple[int, int], ...]  # (start, end) frames of silence segments
    log_likelihood: float
    n_frames: int


@dataclass
class _Graph:
    labels: list[int]  # model output index per state
    tokens: list[str]
    word: list[int]  # word index per state (-1 for silence)
    variant: list[int]
    preds: list[list[int]]  # predecessor states
    costs: list[list[float]]  # log-domain cost of entering from each predecessor
    loop: list[bool]  # whether the state has a self-loop
    slot: list[int]  # states of one phone (its minimum-duration chain) share a slot
    starts: list[int]
    ends: list[int]


def _build_graph(
    words: Sequence[Sequence[Sequence[str]]],
    optional_silence: bool,
    min_frames: int = 1,
    stop_penalty: float | None = None,
) -> _Graph:
    g = _Graph([], [], [], [], [], [], [], [], [], [])
    Edge = tuple[int, float]  # predecessor state, cost of the transition

    def add(label: int, token: str, word: int, variant: int, preds: list[Edge],
            length: int = 1) -> int:  # fmt: skip
        """A chain of ``length`` states; returns the last (the one with the self-loop)."""
        slot = g.slot[-1] + 1 if g.slot else 0
        for k in range(length):
            g.labels.append(label)
            g.tokens.append(token)
            g.word.append(word)
            g.variant.append(variant)
            entry = preds if k == 0 else [(len(g.labels) - 2, 0.0)]
            g.preds.append([s for s, _ in entry])
            g.costs.append([c for _, c in entry])
            g.loop.append(k == length - 1)
            g.slot.append(slot)
        return len(g.labels) - 1

    sil = PHONE_INDEX[SILENCE]
    lead = add(sil, SILENCE, -1, -1, [])
    g.starts.append(lead)
    exits: list[Edge] = [(lead, 0.0)]  # states from which the next word may begin
    can_start = True  # the next word's first phone may also start the utterance
    shortest = [min(len(v) for v in variants) if variants else 0 for variants in words]
    early_ends: list[Edge] = []  # stop reading before word w: cost per phone left unsaid
    for w, variants in enumerate(words):
        if not variants:
            raise ValueError(f"word {w} has no pronunciation")
        if stop_penalty is not None:
            cost = stop_penalty * max(sum(shortest[w:]), STOP_MIN_PHONES)
            early_ends += [(s, c - cost) for s, c in exits]
        word_exits: list[Edge] = []
        for v, phones in enumerate(variants):
            if not phones:
                raise ValueError(f"word {w} variant {v} is empty")
            prev: list[Edge] = list(exits)
            first = True
            for token in phones:
                state = add(PHONE_INDEX[base_phone(token)], token, w, v, prev, min_frames)
                if first and can_start:
                    g.starts.append(state - (min_frames - 1))  # the chain's first state
                first = False
                prev = [(state, 0.0)]
            word_exits.append(prev[0])
        can_start = False
        if optional_silence and w < len(words) - 1:
            gap = add(sil, SILENCE, -1, -1, list(word_exits))
            exits = [*word_exits, (gap, 0.0)]
        else:
            exits = word_exits
    tail = add(sil, SILENCE, -1, -1, [*exits, *early_ends])
    g.ends.extend([*(s for s, _ in exits), tail])
    return g


def _dedupe_variants(variants: Sequence[Sequence[str]]) -> list[int]:
    """Indices of the variants worth aligning: those differing only in stress align
    identically, so keep the first of each."""
    seen: dict[tuple[str, ...], int] = {}
    for i, v in enumerate(variants):
        seen.setdefault(tuple(base_phone(p) for p in v), i)
    return list(seen.values())


def force_align(
    log_post: np.ndarray,
    words: Sequence[Sequence[Sequence[str]]],
    *,
    optional_silence: bool = True,
    min_frames: int = MIN_PHONE_FRAMES,
    stop_penalty: float | None = None,
) -> Alignment:
    """Align ``words`` (per word, a list of pronunciation variants) to ``log_post``.

    ``log_post`` has shape ``(frames, len(PHONE_SET))``. Each phone lasts at least
    ``min_frames`` frames, or as many as the utterance has room for (at least one). If
    there are fewer frames than phones, ``ValueError`` is raised.

    With ``stop_penalty`` (log-likelihood per phone) the reading may stop early: the words
    after any point can be left out at that cost per phone left unsaid, so words that the
    recording does not hold cost less to leave out than to force in, and are missing from
    ``phones`` (see :func:`said_words`).
    """
    kept = [_dedupe_variants(v) for v in words]
    variants_per_word = [[words[w][i] for i in idx] for w, idx in enumerate(kept)]
    n_frames = log_post.shape[0]
    min_phones = sum(min(len(v) for v in vs) for vs in variants_per_word)
    if n_frames < min_phones:
        raise ValueError(f"{n_frames} frames cannot hold {min_phones} phones")
    min_frames = max(1, min(min_frames, n_frames // max(min_phones, 1)))
    g = _build_graph(variants_per_word, optional_silence, min_frames, stop_penalty)
    n_states = len(g.labels)

    max_pred = max(1, max(len(p) for p in g.preds))
    pred = np.full((n_states, max_pred + 1), -1, dtype=np.int64)
    cost = np.zeros((n_states, max_pred + 1))
    for s, ps in enumerate(g.preds):
        pred[s, 0] = s if g.loop[s] else -1
        pred[s, 1 : 1 + len(ps)] = ps
        cost[s, 1 : 1 + len(ps)] = g.costs[s]
    valid = pred >= 0
    pred_safe = np.where(valid, pred, 0)
    emit = log_post[:, np.asarray(g.labels)].astype(np.float64)

    score = np.full(n_states, NEG_INF)
    score[g.starts] = emit[0, g.starts]
    back = np.zeros((n_frames, n_states), dtype=np.int64)
    back[0] = np.arange(n_states)
    for t in range(1, n_frames):
        cand = np.where(valid, score[pred_safe] + cost, NEG_INF)
        best = cand.argmax(axis=1)
        back[t] = pred_safe[np.arange(n_states), best]
        score = cand[np.arange(n_states), best] + emit[t]

    ends = np.asarray(g.ends)
    last = int(ends[np.argmax(score[ends])])
    total = float(score[last])
    if total <= NEG_INF / 2:
        raise ValueError("no path through the alignment graph")
    path = np.empty(n_frames, dtype=np.int64)
    path[-1] = last
    for t in range(n_frames - 1, 0, -1):
        path[t - 1] = back[t, path[t]]

    phones: list[AlignedPhone] = []
    silences: list[tuple[int, int]] = []
    chosen = [0] * len(words)
    slots = np.asarray(g.slot)[path]
    change = np.flatnonzero(np.diff(slots)) + 1
    bounds = np.concatenate([[0], change, [n_frames]])
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        s = int(path[start])
        if g.word[s] < 0:
            silences.append((int(start), int(end)))
            continue
        chosen[g.word[s]] = g.variant[s]
        phones.append(
            AlignedPhone(
                phone=base_phone(g.tokens[s]),
                token=g.tokens[s],
                word_index=g.word[s],
                start=int(start),
                end=int(end),
            )
        )
    return Alignment(
        phones=tuple(phones),
        variants=tuple(kept[w][v] for w, v in enumerate(chosen)),
        silences=tuple(silences),
        log_likelihood=total,
        n_frames=n_frames,
    )


def said_words(alignment: Alignment, n_words: int) -> tuple[bool, ...]:
    """Which words have phones in ``alignment`` (all of them unless words could be skipped)."""
    present = {p.word_index for p in alignment.phones}
    return tuple(w in present for w in range(n_words))
