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
    tips = dialog.point_tips()  # hover a point: the words behind it
    assert len(tips) == 3 and tips[0].startswith("three: 0.4 of 2")
    dialog.learner_combo.setCurrentText("Bo")
    assert dialog.phone() in {"SH", "IY", "P"} and len(dialog.history_points()[1]) == 1
    dialog.learner_combo.setCurrentText("default")
    assert dialog.history_points() == ([], []) and "Practise" in dialog.summary.text()
    store.close()


def test_overview_of_all_sounds_theme_and_plurals(qtbot, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor

    from tutor.ui.theme import theme

    store = ProgressStore(tmp_path / "p.sqlite3")
    t0 = datetime.now(UTC) - timedelta(days=2)
    for day, th in enumerate((0.4, 1.2)):
        store.record_attempt(
            "Ana", "th", "three", make_result("three", {"TH": th}), when=t0 + timedelta(days=day)
        )
    store.record_attempt("Ana", "iy", "sheep", make_result("sheep"), when=t0)
    due = {"TH": datetime.now(UTC) - timedelta(hours=1)}
    light = theme("light")
    dialog = ProgressDialog(store, learner="Ana", theme=light, next_reviews=lambda name: due)
    qtbot.addWidget(dialog)
    rows = dialog.sounds.texts()
    # every sound practised, weakest first: TH (twice), then the rest said once
    assert {r[0].split()[0] for r in rows} == {"TH", "R", "IY", "SH", "P"}
    th = rows[0]
    assert th[0].startswith("TH") and th[1] == "2 attempts" and th[2] == "0.8"
    assert th[3] == "↑ +0.8" and th[4] == "due now"
    once = next(r for r in rows if r[0].startswith("SH"))
    assert once[1] == "1 attempt" and once[3] == "–" and once[4] == "–"  # no trend from one
    # the chart follows the theme: never a black plot in the light theme
    assert dialog.plot.backgroundBrush().color() == QColor(light.plot_bg)
    # double-click a sound: its chart, with "1 attempt" said right and a sensible axis
    sh = next(n for n, r in enumerate(rows) if r[0].startswith("SH"))
    dialog.sounds.itemActivated.emit(dialog.sounds.item(sh, 0))
    assert dialog.tabs.currentIndex() == 1 and dialog.phone() == "SH"
    xs, _ = dialog.history_points()
    assert len(xs) == 1 and "1 attempt with SH" in dialog.summary.text()
    (x0, x1), _ = dialog.plot.viewRange()
    assert x1 - x0 >= 86400  # a day either side, not a sub-second axis
    store.close()
