"""Which confusable sound was said instead of the expected one?

For each aligned phone, the segment's mean log posterior of the most likely *confusable*
phone (:mod:`tutor.scoring.confusions`) minus that of the expected phone: Kaldi's log
posterior ratio, restricted to the sounds learners actually say instead. The engine names
that sound as "heard" for a phone scored amber or red when the margin is positive.
Restricting the competitors to the confusable ones names the sound really said far more
often (89 % against 59 % for any phone, ``tutor bench --substitute``, validation slice).

Over the head's ``confusion_line`` the margin also caps the score at amber
(:data:`tutor.scoring.bands.PHONE_HEARD_OTHER`, applied by the engine): the acoustic model
alone catches more swapped sounds than the head at equal false alarms, and the line is set
so that only 1 % of untouched phones cross it (:func:`tutor.train.margin_check.confusion_line`),
the green line then spending the rest of the 3 % budget. An earlier red cap at a fixed 2.5
nats, with no green line re-chosen, flagged many phones learners said acceptably (phone PCC
0.595 → 0.500, false alarms over 3 %); an amber cap at the calibrated line costs almost no
phone PCC (model card, stop 13).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .alignment import Alignment
from .confusions import confusable
from .phones import PHONE_INDEX, PHONE_SET


@dataclass(frozen=True)
class Competitor:
    phone: str  # the most likely confusable phone ("" when the phone has none)
    margin: float  # its mean log posterior minus the expected phone's


def competitors(log_post: np.ndarray, alignment: Alignment) -> tuple[Competitor, ...]:
    out = []
    for p in alignment.phones:
        options = [PHONE_INDEX[c] for c in confusable(p.phone)]
        if not options:
            out.append(Competitor("", float("-inf")))
            continue
        mean = log_post[p.start : p.end].mean(axis=0)
        best = options[int(np.argmax(mean[options]))]
        out.append(Competitor(PHONE_SET[best], float(mean[best] - mean[PHONE_INDEX[p.phone]])))
    return tuple(out)
