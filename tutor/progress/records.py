"""Plain records of past attempts, shared by the store and the scheduler (no SQL, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PhoneScore:
    phone: str  # ARPAbet without stress
    score: float  # 0..2
    word: str = ""


@dataclass(frozen=True)
class AttemptRecord:
    """What the scheduler needs to know about one attempt at one item."""

    pack: str
    item: str
    when: datetime
    total: float  # 0..10
    phones: tuple[PhoneScore, ...] = ()
