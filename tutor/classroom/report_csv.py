"""The class report as CSV: one row per learner and sound, for a spreadsheet."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from tutor.progress.export import _safe  # the formula-injection guard of the attempt CSV

from .summary import ClassSummary

COLUMNS = (
    "learner",
    "sound",
    "ipa",
    "times",
    "mean",
    "right_share",
    "needs_work",
    "heard_as",
    "trend",
    "change",
    "attempts",
    "passed",
    "last_practice",
)


def write_csv(summary: ClassSummary, out: str | os.PathLike[str]) -> int:
    """Write the rows (UTF-8 with BOM, like the attempt export); returns the row count."""
    from .summary import trend_word

    out = Path(out)
    rows = []
    for lr in summary.learners:
        for s in lr.sounds:
            rows.append(
                {
                    "learner": _safe(lr.name),
                    "sound": s.phone,
                    "ipa": s.ipa,
                    "times": s.times,
                    "mean": f"{s.mean:.2f}",
                    "right_share": f"{s.right_share:.2f}",
                    "needs_work": "yes" if s.needs_work else "no",
                    "heard_as": " ".join(f"{p}x{n}" for p, n in s.heard_as),
                    "trend": trend_word(s.change),
                    "change": "" if s.change is None else f"{s.change:+.2f}",
                    "attempts": len(lr.attempts),
                    "passed": lr.passed,
                    "last_practice": lr.last.isoformat(timespec="seconds") if lr.last else "",
                }
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".class-", suffix=".csv", dir=out.parent)
    try:
        os.chmod(tmp, 0o644)  # for sharing (mkstemp makes it owner-only)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)
