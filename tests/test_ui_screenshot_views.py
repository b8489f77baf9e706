"""``tutor --demo-screenshots DIR``: each main view, light and dark, rendered from demo data
into PNGs (pytest-qt, offscreen; never pixel comparisons)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtGui import QColor, QImage
from ui_fakes import FakeScorer, espeak_wav

from tutor.ui.screenshots import VIEWS, indexed, render_views, shot_name, weaker
from tutor.ui.theme import THEMES

TEXT = "Think about it."


def test_one_png_per_view_and_theme(qapp, tmp_path: Path) -> None:
    wav = espeak_wav(tmp_path, TEXT)
    out = tmp_path / "shots"
    written = render_views(out, FakeScorer(), wav, TEXT)
    expected = {shot_name(view, theme) for view in VIEWS for theme in THEMES}
    assert {p.name for p in written} == expected == {p.name for p in out.iterdir()}
    for path in written:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 300 and image.height() >= 150, path
        assert image.format() == QImage.Format.Format_Indexed8  # kept small for the README
        corner = image.pixelColor(image.width() // 2, image.height() - 2)
        assert (corner.lightness() < 80) == path.stem.endswith("-dark"), path
    total = sum(p.stat().st_size for p in written)
    assert total < 2_000_000


def test_the_demo_history_is_weaker_than_the_take() -> None:
    samples = np.sin(np.linspace(0, 400, 16000)).astype(np.float32)
    result = FakeScorer(bad={}).score(samples, TEXT, 16000)
    earlier = weaker(result, 0.6)
    assert earlier.total < result.total and earlier.accuracy < result.accuracy
    pairs = zip(
        (p for w in earlier.words for p in w.phones),
        (p for w in result.words for p in w.phones),
        strict=True,
    )
    assert all(a.score == max(0.0, b.score - 0.6) for a, b in pairs)


def test_indexed_keeps_a_few_colours_exactly(qapp) -> None:
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#16181d"))
    for x in range(20):
        for y in range(20):
            image.setPixelColor(x, y, QColor("#2f6fde"))
    small = indexed(image)
    assert small.format() == QImage.Format.Format_Indexed8
    assert small.pixelColor(5, 5).name() == "#2f6fde"
    assert small.pixelColor(30, 5).name() == "#16181d"
