"""The headless render behind ``tutor --demo-screenshot`` (Xvfb in CI, offscreen here)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtGui import QColor, QImage
from ui_fakes import FakeScorer, espeak_wav

from tutor.feedback.bands import COLOURS, Band
from tutor.ui.app import render_screenshot


def _has_colour(image: QImage, hex_colour: str, step: int = 3) -> bool:
    want = QColor(hex_colour)
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - want.red())
                + abs(c.green() - want.green())
                + abs(c.blue() - want.blue())
                < 12
            ):
                return True
    return False


@pytest.mark.xvfb
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_demo_screenshot_renders_scored_window(qapp, tmp_path: Path, theme: str) -> None:
    wav = espeak_wav(tmp_path, "Think about it.")
    out = render_screenshot(
        tmp_path / "shot.png",
        FakeScorer(),
        wav,
        "Think about it.",
        theme=theme,
        data_dir=tmp_path / "data",
    )
    image = QImage(str(out))
    assert image.width() >= 1200 and image.height() >= 800
    background = image.pixelColor(image.width() // 2, image.height() - 3)
    assert (background.lightness() < 60) == (theme == "dark")
    # the fake scorer marks TH wrong (red) and AW accented (amber); the rest is green
    for band in (Band.GOOD, Band.FAIR, Band.POOR):
        assert _has_colour(image, COLOURS[theme][band]), band
