"""Which confusable sound was said instead of the expected one?

For each aligned phone, the segment's mean log posterior of the most likely *confusable*
phone (:mod:`tutor.scoring.confusions`) minus that of the expected phone: Kaldi's log
posterior ratio, restricted to the sounds learners actually say instead. The engine names
that sound as "heard" for a phone scored amber or red when the margin is positive.
Restricting the competitors to the confusable ones names the sound really said far more
often (89 % against 59 % for any phone, ``tutor bench --substitute``, validation slice).

The margin does not change the score. Measured on the validation slice, capping phones
whose margin passes a threshold catches more swapped sounds but flags many phones that
learners said acceptably (margin > 2.5 fires on 4 % of real phones, which the experts rate
1.5 on average): phone PCC fell from 0.595 to 0.500 with a red cap, to 0.586 with an amber
one, while false alarms rose over 3 %. The scoring head, trained partly on swapped
phones, decides the score (:mod:`tutor.train.head_negatives`).
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
