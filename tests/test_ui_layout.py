"""The main window's layout at 1280x720 with a 16 pt font (pytest-qt, offscreen): geometry
facts, never pixels."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import soundfile as sf
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from ui_fakes import espeak_wav, fake_window

from tutor.ui.elided import ElidedLabel
from tutor.ui.main_layout import SCREEN_MARGIN
from tutor.ui.main_window import MainWindow
from tutor.ui.settings import Settings
from tutor.ui.views import SPECTROGRAM_MIN_HEIGHT, WAVE_MIN_HEIGHT
from tutor.ui.workers import ScoringService

SCREEN = (1280, 720)


@pytest.fixture
def big_font(qapp: QApplication) -> Iterator[None]:
    """The app's font and style sheet as a test left them are put back afterwards."""
    font, sheet, palette = qapp.font(), qapp.styleSheet(), qapp.palette()
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def window_at_16pt(qtbot, tmp_path: Path) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    settings.font_size = 16
    window = fake_window(qtbot, tmp_path, settings=settings, start=False)
    window.apply_theme()
    window.resize(*SCREEN)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.service.state != ScoringService.LOADING, timeout=5000)
    return window


def score_longest_item(window: MainWindow, qtbot, tmp_path: Path) -> None:
    """Show the longest sentence of the library, scored."""
    index = max(range(len(window.items)), key=lambda i: len(window.items[i].text))
    window.select_item(index)
    samples, rate = sf.read(str(espeak_wav(tmp_path, window.items[index].text)), dtype="float32")
    with qtbot.waitSignal(window.takeShown, timeout=5000):
        window.score_samples(samples, rate, None)
    qtbot.wait(50)


def fits(size, screen=SCREEN) -> bool:
    return size.width() <= screen[0] and size.height() <= screen[1]


def test_the_window_fits_1280x720_at_16pt(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    assert fits(window.minimumSizeHint())  # before a take: the hint line must wrap
    score_longest_item(window, qtbot, tmp_path)
    assert fits(window.minimumSizeHint())
    window.resize(*SCREEN)
    qtbot.wait(20)
    assert (window.width(), window.height()) == SCREEN  # it never forces itself larger


def test_plots_keep_a_usable_height_on_a_sentence(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    assert window.analysis.spectrogram.height() >= SPECTROGRAM_MIN_HEIGHT >= 150
    assert window.analysis.waveform.height() >= WAVE_MIN_HEIGHT
    # the centre column scrolls instead of squashing the plots or clipping its right side
    column = window.splitter.widget(1)
    assert column.widget().width() <= column.viewport().width()


def test_the_prompt_card_is_as_tall_as_its_words(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    prompt = window.prompt

    def as_tall_as_its_words() -> bool:  # the layout settles in later events under load
        return prompt.height() == prompt.flow.heightForWidth(prompt.width())

    qtbot.waitUntil(as_tall_as_its_words, timeout=3000)  # no empty gap, no cut words
    assert len({c.y() for c in prompt.chips}) >= 2  # the sentence wraps at 16 pt
    assert all(c.isVisible() for c in prompt.chips)
    shown = [c for c in prompt.findChildren(type(prompt.chips[0])) if c.isVisible()]
    assert len(shown) == len(prompt.chips)  # the expected words' chips are gone at once


def test_the_time_axis_reads_seconds_at_any_zoom(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    window.analysis.waveform.setXRange(0.30, 0.32, padding=0)  # 20 ms: pyqtgraph would say ms
    qtbot.wait(20)
    axis = window.analysis.phones.getAxis("bottom")
    assert "time (s)" in axis.labelString()
    assert "x0.001" not in axis.labelString() and axis.autoSIPrefixScale == 1.0


def test_tier_names_and_score_titles_are_not_cut(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    tier = window.analysis.phones
    name_width = tier.fontMetrics().horizontalAdvance("phones")
    assert tier.getAxis("left").width() >= name_width + 8
    title = window.feedback.tiles["completeness"].title
    assert isinstance(title, ElidedLabel)
    assert title.elided() == bool(title.toolTip())  # cut only with the full word on hover
    for tile in window.feedback.tiles.values():  # the sub-scores reflow instead of cutting
        assert not tile.title.elided(), tile.title.displayed()


@pytest.mark.parametrize(("font_pt", "size"), [(11, (1380, 860)), (11, SCREEN), (16, SCREEN)])
def test_no_score_title_is_elided_at_the_usual_sizes(
    qtbot, tmp_path: Path, big_font, font_pt: int, size: tuple[int, int]
) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    window.settings.font_size = font_pt
    window.apply_theme()
    window.resize(*size)
    score_longest_item(window, qtbot, tmp_path)
    panel = window.feedback
    for key, tile in panel.tiles.items():
        assert tile.title.width() >= tile.title.sizeHint().width(), key
        assert not tile.title.elided(), key
    if (font_pt, size) == (11, (1380, 860)):
        assert panel.across == 3  # room enough: the three sub-scores side by side


def test_the_lesson_list_wraps_long_titles_rather_than_eliding(
    qtbot, tmp_path: Path, big_font
) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from tutor.core import load_library

    window = window_at_16pt(qtbot, tmp_path)
    window.library_loader = lambda: load_library(installed=tmp_path / "lessons")
    window.reload_lessons()  # the built-in packs: 250 titles of every length
    window.resize(SCREEN[0] - 40, SCREEN[1] - 40)  # as the app opens on a 1280x720 screen
    tree = window.lessons
    qtbot.wait(50)
    assert tree.textElideMode() == Qt.TextElideMode.ElideNone
    metrics = tree.fontMetrics()
    wrapped = 0
    rows = []
    for top in range(tree.topLevelItemCount()):
        parent = tree.topLevelItem(top)
        rows += [parent] + [parent.child(n) for n in range(parent.childCount())]
    for row in rows:
        index = tree.indexFromItem(row, 0)
        option = QStyleOptionViewItem()
        tree.itemDelegate().initStyleOption(option, index)
        option.rect = tree.visualRect(index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        option.widget = tree
        # the rectangle the style draws the text in, with its padding and margins
        text = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, tree)
        title = row.text(0)
        flags = int(Qt.TextFlag.TextWordWrap)
        needed = metrics.boundingRect(QRect(0, 0, text.width(), 10000), flags, title).height()
        assert needed <= text.height(), (title, needed, text)  # every line drawn
        widest = max(metrics.horizontalAdvance(word) for word in title.split())
        assert widest <= text.width(), (title, widest, text)  # no word cut at the right
        wrapped += needed > metrics.height() * 1.5
    assert wrapped  # at 16 pt in a 1280x720 window some titles take two lines or more
    assert tree.width() >= tree.minimumWidth()  # the panel never squeezes it narrower
    # with the list as wide as its longest word, the window still opens within the screen
    assert window.minimumSizeHint().width() <= SCREEN[0] - SCREEN_MARGIN
    mark_end = tree.columnViewportPosition(1) + tree.columnWidth(1)
    assert mark_end <= tree.viewport().width()  # the marks column is not pushed off the side


def test_a_message_is_never_drawn_over_the_model_status(qtbot, tmp_path: Path) -> None:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = fake_window(qtbot, tmp_path, settings=settings, start=False)
    window.model_status.setText("Ready: record when you like.")
    window.report("Passed. Press N for the next item.")  # before the window is shown
    window.show()
    qtbot.waitExposed(window)
    window.showMinimized()  # mapped again: Qt shows the status bar's children again
    window.showNormal()
    qtbot.wait(50)
    assert window.statusBar().currentMessage() and not window.model_status.isVisible()
    window.statusBar().clearMessage()
    assert window.model_status.isVisible()


def test_spectrogram_axis_labels_stay_inside_the_plot(qtbot, tmp_path: Path, big_font) -> None:
    from PySide6.QtGui import QImage, QPainter

    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    spectrogram = window.analysis.spectrogram
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    for side in ("left", "right"):
        axis = spectrogram.getAxis(side)
        painter = QPainter(image)
        specs = axis.generateDrawSpecs(painter)
        painter.end()
        assert specs is not None
        inside = axis.mapRectFromParent(axis.geometry()).adjusted(-1, -1, 1, 1)
        texts = specs[2]
        assert texts, side
        for rect, _flags, text in texts:  # no "5000" or "400" half cut off at the top
            assert inside.contains(rect), (side, text)


def test_narrow_intervals_show_their_label_on_hover_or_zoom(
    qtbot, tmp_path: Path, big_font
) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    score_longest_item(window, qtbot, tmp_path)
    tier = window.analysis.words
    hidden = [(label, iv) for label, iv in tier.labels if not label.isVisible()]
    assert hidden  # at this width some words are too narrow for their label
    label, iv = hidden[0]
    item = next(i for i in tier.items if i.interval == iv)
    assert iv.label in item.toolTip()  # hover says which word it is
    window.analysis.waveform.setXRange(iv.start, iv.end, padding=0)
    qtbot.waitUntil(label.isVisible, timeout=2000)  # zoomed in, the label shows


def test_an_elided_label_keeps_its_text_as_tooltip(qtbot) -> None:
    label = ElidedLabel("Completeness")
    qtbot.addWidget(label)
    label.show()
    label.resize(label.minimumSizeHint())
    assert label.elided() and label.displayed().endswith("…")
    assert label.toolTip() == "Completeness"
    label.resize(label.fontMetrics().horizontalAdvance("Completeness") + 20, 30)
    assert not label.elided() and label.toolTip() == ""


def test_a_long_message_is_shown_whole_at_16pt(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    window.select_item(0)
    assert window.session_status.text()  # the sitting's status, on the right
    message = "Your summary of Starter: tricky consonants is under Practice → Session summary."
    bar = window.statusBar()
    width = bar.fontMetrics().horizontalAdvance(message)
    assert bar.width() - window.session_status.width() < width < bar.width() - 20  # would not
    # fit beside the sitting's status, fits alone
    window.report(message)
    beside = window.session_status.width() if window.session_status.isVisible() else 0
    assert bar.fontMetrics().horizontalAdvance(message) <= bar.width() - beside
    bar.clearMessage()
    assert window.session_status.isVisible()  # back once the message has gone


def test_the_current_item_stays_in_view_in_the_wrapped_list(
    qtbot, tmp_path: Path, big_font
) -> None:
    from tutor.core import load_library

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    settings.font_size = 16
    library = load_library(installed=tmp_path / "lessons")  # the built-in packs: 250 items
    window = fake_window(qtbot, tmp_path, settings=settings, library=library, start=False)
    window.apply_theme()
    window.select_item(len(window.items) - 1)  # chosen before the list has its width
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    tree = window.lessons

    def current_in_view() -> bool:  # once the rows have settled, however slow the machine
        return tree.viewport().rect().contains(tree.visualItemRect(tree.currentItem()))

    qtbot.waitUntil(current_in_view, timeout=5000)
    qtbot.wait(100)  # and it stays there: no later rewrap pushes it out
    assert current_in_view(), tree.visualItemRect(tree.currentItem())


def test_a_message_longer_than_the_bar_ends_in_an_ellipsis(qtbot, tmp_path: Path, big_font) -> None:
    window = window_at_16pt(qtbot, tmp_path)
    bar = window.statusBar()
    message = "The speaker could not be opened (Error querying device -1). " * 3
    window.report(message.strip())
    shown = bar.currentMessage()
    assert shown.endswith("…") and bar.fontMetrics().horizontalAdvance(shown) <= bar.width()
    assert bar.toolTip() == message.strip()  # all of it on hover
    window.report("Lessons reloaded.")
    assert bar.currentMessage() == "Lessons reloaded." and bar.toolTip() == ""


def test_the_feedback_column_is_never_wider_than_its_view(qtbot, tmp_path: Path, big_font) -> None:
    from tutor.core import load_library

    window = window_at_16pt(qtbot, tmp_path)
    window.library_loader = lambda: load_library(installed=tmp_path / "lessons")
    window.reload_lessons()  # the list as wide as the longest word of the built-in packs
    window.resize(SCREEN[0] - SCREEN_MARGIN, SCREEN[1] - SCREEN_MARGIN)
    score_longest_item(window, qtbot, tmp_path)
    panel = window.feedback
    view = panel.parentWidget()  # the scroll area's viewport (it never scrolls sideways)
    assert panel.minimumSizeHint().width() <= view.width()
    assert panel.width() <= view.width()  # nothing cut at the right ("Fluenc", a ▶ button)


def test_a_short_message_before_the_window_shows_keeps_the_sitting_status(
    qtbot, tmp_path: Path
) -> None:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = fake_window(qtbot, tmp_path, settings=settings, start=False)
    window.select_item(0)
    window.report("Passed. Press N for the next item.")  # the status bar has no width yet
    window.resize(1380, 860)
    window.show()
    qtbot.waitExposed(window)
    assert window.session_status.isVisible() and not window.model_status.isVisible()
