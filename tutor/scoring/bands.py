"""Where a score stops being "good": the one place the engine, the CLI, the colours, the
worst-sounds panel and the practice pass rule take their thresholds from.

Phone scores run 0..2 like speechocean762's experts (2 correct, 1 accented, 0 wrong or
missing). A phone under :data:`PHONE_GOOD` "needs work" (amber or red): the experts' own
line is a five-expert mean under 1.5, and ``tutor bench`` measures how well the engine's
"needs work" finds those phones (``mdd_f1``) beside one expert against the other four.
"""

from __future__ import annotations

from enum import Enum


class Band(Enum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"

    @property
    def label(self) -> str:
        return {"good": "Good", "fair": "Needs work", "poor": "Wrong or missing"}[self.value]


#: Phone scores (0..2): at or above GOOD is green; FAIR..GOOD amber; below FAIR red.
PHONE_GOOD = 1.5
PHONE_FAIR = 0.8
#: A phone the acoustic model clearly heard as a sound learners say instead (its margin
#: over the head's ``confusion_line``) scores at most this: amber, with that sound named.
PHONE_HEARD_OTHER = 1.45
#: Word and sentence scores (0..10).
TEN_GOOD = 7.5
TEN_FAIR = 5.0
#: The experts' line for a phone that needs work (five-expert mean under it).
EXPERT_NEEDS_WORK = 1.5


def phone_band(score: float) -> Band:
    if score >= PHONE_GOOD:
        return Band.GOOD
    if score >= PHONE_FAIR:
        return Band.FAIR
    return Band.POOR


def ten_band(score: float) -> Band:
    if score >= TEN_GOOD:
        return Band.GOOD
    if score >= TEN_FAIR:
        return Band.FAIR
    return Band.POOR


def needs_work(phone_score: float) -> bool:
    """Amber or red: what the CLI calls "mispronounced" and the panel lists."""
    return phone_band(phone_score) is not Band.GOOD
