"""CSV exports for teachers: one row per attempt, for one learner or the whole class.

Files are UTF-8 with a byte-order mark so spreadsheet programs pick the encoding up, and
text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are
prefixed with an apostrophe. :func:`read_attempts_csv` reverses both.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from tutor.atomic import open_atomic

from .store import Attempt, ProgressError, ProgressStore

COLUMNS = (
    "learner", "time", "pack", "item", "text", "total", "accuracy", "fluency",
    "completeness", "prosodic", "phones", "weakest", "audio",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = ("learner", "pack", "item", "text", "audio", "phones", "weakest")
_NUMBER_COLUMNS = ("total", "accuracy", "fluency", "completeness", "prosodic")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _row(store: ProgressStore, attempt: Attempt) -> dict[str, str]:
    phones = store.phone_rows(attempt.id)
    weakest = sorted((p for p in phones if p[2] < 1.5), key=lambda p: p[2])[:3]
    return {
        "learner": _safe(attempt.learner),
        "time": attempt.when.isoformat(timespec="seconds"),
        "pack": _safe(attempt.pack),
        "item": _safe(attempt.item),
        "text": _safe(attempt.text),
        **{c: f"{getattr(attempt, c):.2f}" for c in _NUMBER_COLUMNS},
        "phones": " ".join(f"{phone}:{score:.2f}" for _, phone, score in phones),
        "weakest": " ".join(f"{phone}({word})" for word, phone, _ in weakest),
        "audio": _safe(attempt.audio_path or ""),
    }


def export_csv(
    store: ProgressStore, out: str | os.PathLike[str], learner: str | None = None
) -> int:
    """Write ``learner``'s attempts (``None``: every learner) to ``out``; returns the count.

    The file is written under a temporary name and renamed, so a half-written export never
    replaces a good one.
    """
    out = Path(out)
    attempts = store.attempts(learner)
    if (
        learner is not None
        and not attempts
        and learner.lower() not in {lr.name.lower() for lr in store.learners()}
    ):
        raise ProgressError(f"There is no learner called {learner!r}.")
    with open_atomic(out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for attempt in attempts:
            writer.writerow(_row(store, attempt))
    return len(attempts)


def read_attempts_csv(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read an export back: numbers as floats, ``phones`` as ``[(phone, score), ...]``."""
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for raw in csv.DictReader(fh):
            row: dict[str, Any] = {
                k: _unsafe(v) if k in _TEXT_COLUMNS else v for k, v in raw.items()
            }
            for column in _NUMBER_COLUMNS:
                row[column] = float(row[column])
            row["phones"] = [
                (p.split(":")[0], float(p.split(":")[1])) for p in row["phones"].split()
            ]
            rows.append(row)
    return rows
