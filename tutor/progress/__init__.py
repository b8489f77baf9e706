"""Learner progress: profiles and every attempt, in a crash-safe SQLite store."""

from .export import export_csv, read_attempts_csv
from .records import AttemptRecord, PhoneScore
from .store import (
    DEFAULT_LEARNER,
    Attempt,
    Learner,
    PhonePoint,
    ProgressError,
    ProgressStore,
)

__all__ = [
    "DEFAULT_LEARNER",
    "Attempt",
    "AttemptRecord",
    "Learner",
    "PhonePoint",
    "PhoneScore",
    "ProgressError",
    "ProgressStore",
    "export_csv",
    "read_attempts_csv",
]
