"""The per-phone progress chart dialog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from progress_helpers import make_result

from tutor.progress import ProgressStore
from tutor.ui.progress_view import ProgressDialog


def test_chart_shows_phone_history(qtbot, tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.sqlite3")
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for day, th in enumerate((0.4, 1.2, 1.9)):
        store.record_attempt(
            "Ana", "th", "three", make_result("three", {"TH": th}), when=t0 + timedelta(days=day)
        )
    store.record_attempt("Bo", "iy", "sheep", make_result("sheep"), when=t0)
    dialog = ProgressDialog(store, learner="Ana")
    qtbot.addWidget(dialog)
    assert dialog.learner() == "Ana"
    assert dialog.phone() == "TH"  # the weakest phone comes first
    xs, ys = dialog.history_points()
    assert [round(y, 2) for y in ys] == [0.4, 1.2, 1.9]
    assert xs == sorted(xs) and xs[0] == t0.timestamp()
    assert "first 0.4, latest 1.9" in dialog.summary.text()
    dialog.learner_combo.setCurrentText("Bo")
    assert dialog.phone() in {"SH", "IY", "P"} and len(dialog.history_points()[1]) == 1
    dialog.learner_combo.setCurrentText("default")
    assert dialog.history_points() == ([], []) and "Practise" in dialog.summary.text()
    store.close()
