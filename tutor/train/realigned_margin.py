"""A rival's margin with the phone's boundaries free: does alignment squeezing hide swaps?

The engine's margin (:func:`tutor.scoring.substitution.competitors`) averages the rival's
log-posterior lead over the frames the forced alignment gave the *expected* phone. Where
the learner said another sound, the aligner may give the expected phone its 60 ms minimum
and hand the rest of the sound to a neighbour, so the lead is averaged over the wrong
frames (model card, stop 14: espeak-ng's "sis"). Here the phone and its neighbours are
aligned again inside their span, once with the expected phone and once with each
confusable sound in its place; the margin is the best rival path's log-likelihood gain
per frame of the expected phone. ``margin_check --realigned`` compares the two at equal
false alarms (model card, stop 43: no gain, so the engine keeps the plain margin).
"""

from __future__ import annotations

import numpy as np

from tutor.scoring.alignment import Alignment, force_align
from tutor.scoring.confusions import confusable
from tutor.scoring.substitution import Competitor

NEIGHBOURS = 1  # phones re-aligned on each side of the one judged


def _local(log_post: np.ndarray, alignment: Alignment, k: int, label: str) -> tuple[float, int]:
    """Log-likelihood of phone ``k`` said as ``label`` with its neighbours, aligned inside
    their span (silence allowed between them), and the frames ``label`` took."""
    phones = alignment.phones
    lo, hi = max(0, k - NEIGHBOURS), min(len(phones), k + NEIGHBOURS + 1)
    start, end = phones[lo].start, phones[hi - 1].end
    words = [[[p.phone]] for p in phones[lo:hi]]
    words[k - lo] = [[label]]
    local = force_align(log_post[start:end], words)
    judged = local.phones[k - lo]
    return local.log_likelihood, judged.end - judged.start


def realigned_competitors(log_post: np.ndarray, alignment: Alignment) -> tuple[Competitor, ...]:
    """Like :func:`~tutor.scoring.substitution.competitors`, with each rival's margin
    measured over boundaries re-aligned for it."""
    out = []
    for k, p in enumerate(alignment.phones):
        rivals = confusable(p.phone)
        if not rivals:
            out.append(Competitor("", float("-inf")))
            continue
        expected, frames = _local(log_post, alignment, k, p.phone)
        gains = [_local(log_post, alignment, k, r)[0] - expected for r in rivals]
        best = int(np.argmax(gains))
        out.append(Competitor(rivals[best], gains[best] / max(frames, 1)))
    return tuple(out)
