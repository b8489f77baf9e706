"""Light and dark themes: a Fusion palette, a small style sheet, and plot colours."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    panel: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    plot_bg: str
    wave: str
    pitch: str
    record: str

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT = Theme(
    name="light", window="#f3f4f7", base="#ffffff", panel="#ffffff", text="#1d2330",
    muted="#6b7385", border="#d9dde6", accent="#2f6fde", accent_text="#ffffff",
    plot_bg="#ffffff", wave="#3a4a66", pitch="#1565c0", record="#d64545",
)  # fmt: skip
DARK = Theme(
    name="dark", window="#16181d", base="#1e2128", panel="#1f2229", text="#e7e9ee",
    muted="#9aa3b5", border="#33373f", accent="#5b9bff", accent_text="#0d1117",
    plot_bg="#121418", wave="#b8c4dc", pitch="#6ec3ff", record="#ff5c5c",
)  # fmt: skip


def theme(name: str) -> Theme:
    return DARK if name == "dark" else LIGHT


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: t.window,
        QPalette.ColorRole.WindowText: t.text,
        QPalette.ColorRole.Base: t.base,
        QPalette.ColorRole.AlternateBase: t.window,
        QPalette.ColorRole.Text: t.text,
        QPalette.ColorRole.Button: t.panel,
        QPalette.ColorRole.ButtonText: t.text,
        QPalette.ColorRole.ToolTipBase: t.panel,
        QPalette.ColorRole.ToolTipText: t.text,
        QPalette.ColorRole.Highlight: t.accent,
        QPalette.ColorRole.HighlightedText: t.accent_text,
        QPalette.ColorRole.PlaceholderText: t.muted,
        QPalette.ColorRole.Link: t.accent,
    }
    for role, value in roles.items():
        p.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(t.muted))
    return p


def style_sheet(t: Theme, font_pt: int) -> str:
    return f"""
    QWidget {{ font-size: {font_pt}pt; }}
    QFrame#card {{ background: {t.panel}; border: 1px solid {t.border}; border-radius: 10px; }}
    QLabel#muted, QLabel#caption {{ color: {t.muted}; }}
    QLabel#caption {{ font-size: {max(font_pt - 1, 8)}pt; font-weight: 600;
        letter-spacing: 0.5px; }}
    QLabel#statusBanner {{ color: {t.muted}; }}
    QTreeWidget, QListWidget {{ background: {t.base}; border: 1px solid {t.border};
        border-radius: 8px; padding: 4px; }}
    QTreeWidget::item, QListWidget::item {{ padding: 4px 2px; }}
    QPushButton {{ background: {t.panel}; border: 1px solid {t.border}; border-radius: 8px;
        padding: 6px 14px; }}
    QPushButton:hover {{ border-color: {t.accent}; }}
    QPushButton:focus {{ border: 2px solid {t.accent}; }}
    QPushButton:disabled {{ color: {t.muted}; }}
    QPushButton#recordButton {{ background: {t.record}; color: white; border: none;
        border-radius: 30px; font-size: {font_pt + 3}pt; font-weight: 700; padding: 0 26px; }}
    QPushButton#recordButton[recording="true"] {{ background: {t.text}; color: {t.window}; }}
    QPushButton#recordButton:disabled {{ background: {t.border}; color: {t.muted}; }}
    QProgressBar {{ background: {t.window}; border: 1px solid {t.border}; border-radius: 5px;
        max-height: 10px; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 4px; }}
    QToolTip {{ background: {t.panel}; color: {t.text}; border: 1px solid {t.border};
        padding: 6px; }}
    QMenuBar {{ background: {t.window}; }}
    QStatusBar {{ background: {t.window}; color: {t.muted}; }}
    QSplitter::handle {{ background: {t.window}; }}
    """


def apply(app: QApplication, name: str, font_pt: int) -> Theme:
    """Apply a theme and base font size to the whole application."""
    t = theme(name)
    app.setStyle("Fusion")
    app.setPalette(_palette(t))
    font = QFont(app.font())
    font.setPointSize(font_pt)
    app.setFont(font)
    app.setStyleSheet(style_sheet(t, font_pt))
    return t
