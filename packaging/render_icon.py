"""Render packaging/tutor.svg to the raster icons the bundles need (PNG, ICO, ICNS).

Uses Qt's SVG renderer and image writers, so no extra tools are needed:
    python packaging/render_icon.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(svg: Path, size: int):  # noqa: ANN201 - QImage, imported lazily
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - keeps Qt up
    svg = HERE / "tutor.svg"
    written = []
    for name, size, fmt in (
        ("tutor.png", 256, "PNG"),
        ("tutor.ico", 256, "ICO"),
        ("tutor.icns", 512, "ICNS"),
    ):
        out = HERE / name
        if not render(svg, size).save(str(out), fmt):
            raise SystemExit(f"Qt could not write {out} ({fmt})")
        written.append(f"{name} ({out.stat().st_size} bytes)")
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
