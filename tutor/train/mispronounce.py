"""Typical Mandarin-L1 learner errors, applied to canonical CMU phones with exact labels.

Each rule turns a word's canonical pronunciation into what a learner might say and records
the change as an :class:`PhoneError`, in the manifest schema of :mod:`tutor.train.synth`:
``{"word_index", "canonical_index", "kind", "from", "to"}``.  For an insertion,
``canonical_index`` is the canonical position the new phone goes *before* (``len(canonical)``
for a phone added at the end) and ``from`` is ``None``; for a deletion ``to`` is ``None``.

Everything is deterministic given the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from tutor.scoring.phones import VOWELS, split_stress

KINDS = ("substitution", "deletion", "insertion")

#: Substitutions anywhere in the word: canonical phone -> the phones learners say instead.
SUBSTITUTIONS: dict[str, tuple[str, ...]] = {
    "TH": ("S", "F", "T"),
    "DH": ("D", "Z", "S"),  # "sis" for *this*
    "V": ("W", "B"),
    "SH": ("S",),
    "S": ("SH",),
    "CH": ("SH",),
    "R": ("L",),
    "L": ("R",),
    "IH": ("IY",),
    "IY": ("IH",),
    "AE": ("EH",),
    "EH": ("AE",),
    "UH": ("UW",),
    "UW": ("UH",),
    "N": ("NG",),
    "NG": ("N",),
}

#: Substitutions only for a word's last phone (final devoicing).
FINAL_SUBSTITUTIONS: dict[str, tuple[str, ...]] = {"Z": ("S",), "D": ("T",), "V": ("F",)}

#: The vowel a learner adds after a final consonant ("book" -> B UH K AH).
EPENTHETIC_VOWEL = "AH0"

#: Final consonants that are commonly dropped (Mandarin syllables end only in N/NG).
DROPPABLE_FINALS = frozenset({"P", "B", "T", "D", "K", "G", "S", "Z", "F", "V", "L", "TH", "DH"})
#: Final consonants after which an extra vowel is typical.
EPENTHESIS_FINALS = frozenset({"P", "B", "T", "D", "K", "G", "CH", "JH", "S", "Z", "SH", "F", "V"})


@dataclass(frozen=True)
class PhoneError:
    """One labelled deviation from the canonical pronunciation."""

    word_index: int
    canonical_index: int
    kind: str  # "substitution" | "deletion" | "insertion"
    from_: str | None  # canonical phone (with stress), None for insertions
    to: str | None  # spoken phone (with stress), None for deletions

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown error kind {self.kind!r}; expected one of {KINDS}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["from"] = d.pop("from_")
        return {k: d[k] for k in ("word_index", "canonical_index", "kind", "from", "to")}

    @classmethod
    def from_dict(cls, d: dict) -> PhoneError:
        return cls(d["word_index"], d["canonical_index"], d["kind"], d["from"], d["to"])


@dataclass(frozen=True)
class Candidate:
    """A possible error in one word (before a word index is known)."""

    canonical_index: int
    kind: str
    from_: str | None
    to: str | None


Weight = Callable[[Candidate], float]


def confusion(c: Candidate) -> str:
    """The error's family, stress aside: ``"TH>S"``, ``"deletion"``, ``"insertion"``."""
    if c.kind != "substitution":
        return c.kind
    return f"{split_stress(str(c.from_))[0]}>{split_stress(str(c.to))[0]}"


def balanced(words: Iterable[Sequence[str]]) -> Weight:
    """A candidate's weight: one over how often its confusion (:func:`confusion`) is
    possible in ``words`` (canonical phones), so every confusion gets about as many
    errors. Uniform choice follows the texts: "TH>S" is rare (TH is), "N>NG" common."""
    counts = Counter(confusion(c) for w in words for c in candidates(w))
    return lambda c: 1.0 / counts.get(confusion(c), 1)


def families() -> frozenset[str]:
    """Every confusion :func:`confusion` can name."""
    pairs = [*SUBSTITUTIONS.items(), *FINAL_SUBSTITUTIONS.items()]
    return frozenset({f"{a}>{b}" for a, targets in pairs for b in targets} | set(KINDS[1:]))


def focused(weight: Weight | None, chosen: frozenset[str], factor: float) -> Weight:
    """``weight`` (uniform if None) with the confusions in ``chosen`` (:func:`confusion`,
    e.g. ``"TH>S"``) ``factor`` times as likely: more takes of the few a model still
    mishears, without counting every other swap more as a loss weight would."""
    base = weight or (lambda c: 1.0)
    return lambda c: base(c) * (factor if confusion(c) in chosen else 1.0)


def _with_stress(base: str, like: str) -> str:
    """``base`` carrying the stress digit of ``like`` when both are vowels."""
    _, stress = split_stress(like)
    if base in VOWELS:
        return f"{base}{stress if stress is not None else 1}"
    return base


def candidates(canonical: Sequence[str]) -> list[Candidate]:
    """Every rule-based error that applies to one word's canonical phones."""
    found: list[Candidate] = []
    last = len(canonical) - 1
    for i, phone in enumerate(canonical):
        base, _ = split_stress(phone)
        for target in SUBSTITUTIONS.get(base, ()):
            found.append(Candidate(i, "substitution", phone, _with_stress(target, phone)))
        if i == last:
            for target in FINAL_SUBSTITUTIONS.get(base, ()):
                found.append(Candidate(i, "substitution", phone, target))
    if len(canonical) > 1:
        final, _ = split_stress(canonical[last])
        if final in DROPPABLE_FINALS:
            found.append(Candidate(last, "deletion", canonical[last], None))
        if final in EPENTHESIS_FINALS:
            found.append(Candidate(last + 1, "insertion", None, EPENTHETIC_VOWEL))
    return found


def apply_errors(canonical: Sequence[str], errors: Sequence[PhoneError]) -> list[str]:
    """The spoken phones of one word after its errors (all must share one word index)."""
    return [phone for phone, _ in spoken_with_origin(canonical, errors)]


def spoken_with_origin(
    canonical: Sequence[str], errors: Sequence[PhoneError]
) -> list[tuple[str, PhoneError | None]]:
    """Each spoken phone of one word with the error that put it there (None: as written)."""
    by_index: dict[int, list[PhoneError]] = {}
    for e in errors:
        if not 0 <= e.canonical_index <= len(canonical):
            raise ValueError(f"error {e} is outside a word of {len(canonical)} phones")
        if e.kind != "insertion" and e.canonical_index == len(canonical):
            raise ValueError(f"only an insertion may point past the last phone: {e}")
        if e.kind != "insertion" and canonical[e.canonical_index] != e.from_:
            raise ValueError(
                f"error {e} does not match canonical phone {canonical[e.canonical_index]!r}"
            )
        by_index.setdefault(e.canonical_index, []).append(e)
    spoken: list[tuple[str, PhoneError | None]] = []
    for i in range(len(canonical) + 1):
        here = by_index.get(i, [])
        spoken.extend((e.to, e) for e in here if e.kind == "insertion" and e.to)
        if i == len(canonical):
            break
        changed = [e for e in here if e.kind != "insertion"]
        if len(changed) > 1:
            raise ValueError(f"two changes to phone {i} of {list(canonical)}")
        if not changed:
            spoken.append((canonical[i], None))
        elif changed[0].kind == "substitution" and changed[0].to:
            spoken.append((changed[0].to, changed[0]))
    return spoken


def mispronounce_word(
    canonical: Sequence[str],
    rng: np.random.Generator,
    word_index: int = 0,
    max_errors: int = 1,
    weight: Weight | None = None,
) -> tuple[list[str], list[PhoneError]]:
    """Up to ``max_errors`` errors on different phones of one word; ``(spoken, errors)``.
    Each error is drawn with probability in proportion to ``weight`` (uniform if None).

    A word with no applicable rule comes back unchanged with no errors.
    """
    pool = candidates(canonical)
    chosen: list[Candidate] = []
    used: set[int] = set()
    for index in _order(pool, rng, weight):
        c = pool[int(index)]
        if c.canonical_index in used:
            continue
        chosen.append(c)
        used.add(c.canonical_index)
        if len(chosen) >= max_errors:
            break
    errors = sorted(
        (PhoneError(word_index, c.canonical_index, c.kind, c.from_, c.to) for c in chosen),
        key=lambda e: e.canonical_index,
    )
    return apply_errors(canonical, errors), errors


def _order(pool: Sequence[Candidate], rng: np.random.Generator, weight: Weight | None) -> list:
    """The candidates' indices in a random order, drawn by ``weight`` without replacement."""
    if weight is None or not pool:
        return list(rng.permutation(len(pool)))
    w = np.array([weight(c) for c in pool], float)
    return list(rng.choice(len(pool), size=len(pool), replace=False, p=w / w.sum()))


def mispronounce(
    words: Sequence[Sequence[str]],
    rng: np.random.Generator,
    n_words: int = 1,
    max_errors_per_word: int = 1,
    weight: Weight | None = None,
    spare: frozenset[int] = frozenset(),
) -> tuple[list[list[str]], list[PhoneError]]:
    """Mispronounce up to ``n_words`` of an utterance's words.

    ``words`` holds the canonical phones of each word.  Returns the spoken phones of every
    word and the error records, sorted by word then phone.  Words with no applicable rule
    and the word indices in ``spare`` are never picked, so fewer than ``n_words`` may
    change. With ``weight`` a word is picked in proportion to its candidates' total weight
    and its errors by their own (:func:`balanced`).
    """
    spoken = [list(w) for w in words]
    eligible = [i for i, w in enumerate(words) if candidates(w) and i not in spare]
    if weight is None or not eligible:
        picked = sorted(int(i) for i in rng.permutation(eligible)[:n_words]) if eligible else []
    else:
        w = np.array([sum(map(weight, candidates(words[i]))) for i in eligible], float)
        k = min(n_words, len(eligible))
        draw = rng.choice(len(eligible), size=k, replace=False, p=w / w.sum())
        picked = sorted(int(eligible[j]) for j in draw)
    errors: list[PhoneError] = []
    for i in picked:
        spoken[i], word_errors = mispronounce_word(words[i], rng, i, max_errors_per_word, weight)
        errors.extend(word_errors)
    return spoken, errors
