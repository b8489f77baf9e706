"""Was a confusable sound said instead of the expected one?

For each aligned phone, the segment's mean log posterior of the most likely *confusable*
phone (:mod:`tutor.scoring.confusions`) minus that of the expected phone: Kaldi's log
posterior ratio, restricted to the sounds learners actually say instead. A large margin
means the model heard the other sound: the phone is capped to "wrong" and that sound is
named as heard, so "heard S" can never sit beside a green TH. Restricting the competitors
to the confusable ones also names the sound really said far more often (89 % against 59 %
for any phone, in ``tutor bench --substitute`` on the validation slice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .alignment import Alignment
from .confusions import confusable
from .phones import PHONE_INDEX, PHONE_SET

#: Margin (log posterior, nats) above which the confusable sound counts as said instead.
#: Chosen on the validation slice: 2.5 flags 3 % of untouched phones in clean readings.
SUBSTITUTION_MARGIN = 2.5
#: The score a phone is capped to when a confusable sound was heard instead (red).
SUBSTITUTED_SCORE = 0.6


@dataclass(frozen=True)
class Competitor:
    phone: str  # the most likely confusable phone ("" when the phone has none)
    margin: float  # its mean log posterior minus the expected phone's

    @property
    def said_instead(self) -> bool:
        return bool(self.phone) and self.margin > SUBSTITUTION_MARGIN


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
