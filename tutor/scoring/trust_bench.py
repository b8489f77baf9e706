"""Does the engine catch what was actually said? The benchmark's trust checks.

- :func:`substitution_metrics` (``tutor bench --substitute``): in utterances the experts
  rated correct throughout, one expected phone is swapped for a sound learners confuse it
  with, so the audio keeps the well-said original: in effect the learner said the wrong
  sound. Is the swapped phone amber/red ("caught"), are the untouched ones left green, and
  does "heard as" name the sound really said?
- :func:`garbage_metrics` (``tutor bench --garbage``): white noise, another utterance's
  audio and the first half of the audio, each against the prompt: is the take refused or
  flagged, and are the unsaid words of a half reading scored low? Real readings give the
  false-alarm rate.

Everything is deterministic: choices come from a generator seeded per utterance id.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .audio import TARGET_RATE, Audio, load_audio
from .bands import needs_work
from .bench import canonical_words
from .confusions import confusable, swap_token
from .engine import Scorer
from .errors import ScoringError
from .lexicon import WordPronunciation
from .phones import split_stress
from .result import UtteranceResult
from .speechocean import LabelledUtterance

CORRECT_THROUGHOUT = 1.8  # every phone's expert mean at least this: a clean reading
SWAPS_PER_UTTERANCE = 3
NOISE_RMS = 0.05
LOW_WORD_SCORE = 4.0  # an unsaid word should score at most this (0..10)
NOTICED_TOTAL = 3.0  # a take scored this low counts as noticed

Progress = Callable[[int, int], None]


def _rng(utt_id: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(utt_id.encode()) + salt)


@dataclass(frozen=True)
class Swap:
    word: int
    index: int  # phone index in the word
    original: str  # base phone really in the audio
    expected: str  # the swapped-in phone the engine is asked to find

    def position(self, utt: LabelledUtterance) -> int:
        """The swapped phone's index among all of ``utt``'s phones."""
        return sum(len(w.phones) for w in utt.words[: self.word]) + self.index


def confusable_spots(utt: LabelledUtterance, at_least: float) -> list[tuple[int, int, str]]:
    """(word, phone index, base phone) of every phone the experts rated at least
    ``at_least`` that learners confuse with another: where a swap can stand."""
    return [
        (w, i, split_stress(p)[0])
        for w, word in enumerate(utt.words)
        for i, (p, score) in enumerate(zip(word.phones, word.phone_scores, strict=True))
        if score >= at_least and confusable(split_stress(p)[0])
    ]


def swaps_for(utt: LabelledUtterance, n: int = SWAPS_PER_UTTERANCE) -> list[Swap]:
    """Up to ``n`` single-phone swaps of a clean utterance (none if any phone is not)."""
    if any(s < CORRECT_THROUGHOUT for w in utt.words for s in w.phone_scores):
        return []
    spots = confusable_spots(utt, CORRECT_THROUGHOUT)
    rng = _rng(utt.utt_id)
    if not spots:
        return []
    picked = rng.choice(len(spots), size=min(n, len(spots)), replace=False)
    swaps = []
    for k in sorted(int(x) for x in picked):
        w, i, original = spots[k]
        options = confusable(original)
        swaps.append(Swap(w, i, original, options[int(rng.integers(len(options)))]))
    return swaps


def swapped_words(utt: LabelledUtterance, swap: Swap) -> list[WordPronunciation]:
    words = []
    for w, word in enumerate(utt.words):
        phones = list(word.phones)
        if w == swap.word:
            phones[swap.index] = swap_token(phones[swap.index], swap.expected)
        words.append(WordPronunciation(word.text, (tuple(phones),), "override"))
    return words


@dataclass(frozen=True)
class ScoredSwap:
    swap: Swap
    result: UtteranceResult | None  # None: the engine refused the swapped reading
    offset: int  # index of the swapped phone among the reading's phones
    utt: LabelledUtterance  # the reading the swap was made in
    audio: Audio  # its recording, loaded once for all its swaps


def scored_swaps(
    scorer: Scorer, utts: Sequence[LabelledUtterance], progress: Progress | None = None
) -> Iterator[ScoredSwap]:
    """Every swap of every clean utterance, scored against its audio."""
    for k, utt in enumerate(utts):
        swaps = swaps_for(utt)
        audio = load_audio(utt.audio) if swaps else None
        for swap in swaps:
            assert audio is not None
            offset = swap.position(utt)
            try:
                result = scorer.score(audio, utt.text, words=swapped_words(utt, swap))
            except ScoringError:
                result = None
            yield ScoredSwap(swap, result, offset, utt, audio)
        if progress:
            progress(k + 1, len(utts))


def substitution_metrics(
    scorer: Scorer, utts: Sequence[LabelledUtterance], progress: Progress | None = None
) -> dict[str, float | int]:
    caught = heard = heard_caught = refused = n = 0
    alarms = untouched = 0
    for scored in scored_swaps(scorer, utts, progress):
        n += 1
        if scored.result is None:
            refused += 1
            continue
        swap = scored.swap
        for j, p in enumerate(scored.result.phones):
            if j == scored.offset:
                caught += needs_work(p.score)
                heard += p.heard == swap.original
                heard_caught += needs_work(p.score) and p.heard == swap.original
            else:
                untouched += 1
                alarms += needs_work(p.score)
    scored_n = max(n - refused, 1)
    return {
        "sub_caught": caught / scored_n if n else float("nan"),
        "sub_false_alarms": alarms / untouched if untouched else float("nan"),
        "sub_heard_as": heard / scored_n if n else float("nan"),
        "sub_heard_as_caught": heard_caught / caught if caught else float("nan"),
        "sub_refused": refused / n if n else float("nan"),
        "sub_n": n,
    }


def _noticed(
    scorer: Scorer,
    samples: np.ndarray,
    utt: LabelledUtterance,
    words: list[WordPronunciation],
    low_total_counts: bool = True,
) -> tuple[bool, UtteranceResult | None]:
    """Refused with a message, flagged with a warning, or (``low_total_counts``) scored at
    most NOTICED_TOTAL. For a real reading a low total is not a false alarm (the experts
    rate most such readings low too), so there only refusals and warnings count."""
    try:
        result = scorer.score(Audio(samples, TARGET_RATE), utt.text, words=words)
    except ScoringError:
        return True, None
    low = low_total_counts and result.total <= NOTICED_TOTAL
    return bool(result.warnings) or low, result


def garbage_metrics(
    scorer: Scorer, utts: Sequence[LabelledUtterance], progress: Progress | None = None
) -> dict[str, float | int]:
    noticed: dict[str, list[bool]] = {"real": [], "noise": [], "other": [], "half": []}
    unsaid_low: list[bool] = []
    for k, utt in enumerate(utts):
        audio = load_audio(utt.audio)
        samples = audio.samples
        words = canonical_words(utt)
        real_noticed, real = _noticed(scorer, samples, utt, words, low_total_counts=False)
        noticed["real"].append(real_noticed)
        noise = _rng(utt.utt_id, 1).standard_normal(len(samples)).astype(np.float32) * NOISE_RMS
        noticed["noise"].append(_noticed(scorer, noise, utt, words)[0])
        other = _other(utts, k)
        if other is not None:
            other_samples = load_audio(other.audio).samples
            noticed["other"].append(_noticed(scorer, other_samples, utt, words)[0])
        cut = len(samples) // 2
        half_noticed, half = _noticed(scorer, samples[:cut], utt, words)
        noticed["half"].append(half_noticed)
        reference = real or scorer.score(audio, utt.text, words=words, check_prompt=False)
        cut_seconds = cut / audio.sample_rate
        for w, ref_word in enumerate(reference.words):
            if ref_word.start >= cut_seconds:  # the half reading does not hold this word
                unsaid_low.append(half is None or half.words[w].accuracy <= LOW_WORD_SCORE)
        if progress:
            progress(k + 1, len(utts))

    def share(xs: list[bool]) -> float:
        return float(np.mean(xs)) if xs else float("nan")

    return {
        "garbage_noise_noticed": share(noticed["noise"]),
        "garbage_other_noticed": share(noticed["other"]),
        "garbage_half_noticed": share(noticed["half"]),
        "garbage_real_flagged": share(noticed["real"]),
        "half_unsaid_low": share(unsaid_low),
        "garbage_n": len(noticed["real"]),
    }


def _other(utts: Sequence[LabelledUtterance], k: int) -> LabelledUtterance | None:
    """A fixed other utterance with a different text (the next one along that differs)."""
    for step in range(1, len(utts)):
        cand = utts[(k + step * 37) % len(utts)]
        if cand.text != utts[k].text:
            return cand
    return None
