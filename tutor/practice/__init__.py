"""Practice sessions and the spaced-repetition scheduler (no Qt, no SQL)."""

from .scheduler import PASS, ItemState, attempt_quality, item_states, plan
from .session import PhoneProgress, PracticeSession, SessionSummary, record_from_result

__all__ = [
    "PASS",
    "ItemState",
    "PhoneProgress",
    "PracticeSession",
    "SessionSummary",
    "attempt_quality",
    "item_states",
    "plan",
    "record_from_result",
]
