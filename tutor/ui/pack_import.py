"""Lesson packs from the window: File › Import lesson pack…, a dropped ``.tutorpack``, a pack
saved by the lesson editor. The import itself is :func:`tutor.lessons.import_pack`, the code
``tutor lesson import`` runs: a bad pack is refused with its own message, the library kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from tutor.lessons import LessonPack, PackError, import_pack
from tutor.lessons.model import MANIFEST_NAME, PACK_SUFFIX

if TYPE_CHECKING:
    from .main_window import MainWindow

PACK_SUFFIXES = (PACK_SUFFIX, ".zip")
ALREADY = "is already installed"  # the import's words for a pack id that is taken


@dataclass(frozen=True)
class Imported:
    """How one import went: the pack, or the message that says why not."""

    pack: LessonPack | None
    message: str
    warnings: int = 0


def packs_dir(window: MainWindow) -> Path:
    """Where imported and edited packs live: ``<data folder>/lessons``."""
    return window.data_dir / "lessons"


def is_pack_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in PACK_SUFFIXES


def dropped_pack(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local ``.tutorpack`` (or pack folder) dragged onto the window, if any."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if is_pack_file(path) or (path / MANIFEST_NAME).is_file():
            return path
    return None


def run_import(source: Path, library: Path, replace: bool = False) -> Imported:
    """Import ``source`` into ``library``; never raises (runs on a worker thread)."""
    try:
        pack, report = import_pack(source, library, replace=replace)
    except PackError as exc:
        return Imported(None, str(exc))
    except OSError as exc:
        from tutor.atomic import describe_write_error

        return Imported(None, describe_write_error(exc, exc.filename))
    return Imported(pack, "", len(report.warnings))


def warn(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_import(window: MainWindow) -> None:
    """File › Import lesson pack…: choose a ``.tutorpack`` and import it."""
    chosen, _ = QFileDialog.getOpenFileName(
        window, "Import a lesson pack", str(Path.home()), f"Lesson packs (*{PACK_SUFFIX} *.zip)"
    )
    if chosen:
        import_pack_file(window, Path(chosen))


def import_pack_file(window: MainWindow, source: Path, replace: bool = False) -> None:
    """Import ``source`` in the background; the pack then shows in the lesson tree at once.
    A refused pack is explained in a dialog; a pack already there may be replaced."""
    library = packs_dir(window)
    window.report(f"Importing {source.name}…")

    def done(outcome: Imported) -> None:
        if outcome.pack is not None:
            show_imported(window, outcome)
        elif ALREADY in outcome.message and not replace:
            taken = outcome.message.split(";")[0]  # not the command line's "import with replace"
            question = f"{taken}.\n\nReplace the installed pack with the one in {source.name}?"
            if confirm(window, "Pack already installed", question):
                import_pack_file(window, source, replace=True)
            else:
                window.report(f"{source.name}: not imported.")
        else:
            window.report(f"{source.name}: not imported.")
            warn(
                window, "Pack not imported", f"{source.name} was not imported:\n\n{outcome.message}"
            )

    def failed(message: str) -> None:
        window.report(f"{source.name}: not imported.")
        warn(window, "Pack not imported", f"{source.name} was not imported:\n\n{message}")

    window.runner.submit(lambda: run_import(source, library, replace), done, failed)


def show_imported(window: MainWindow, outcome: Imported) -> None:
    pack = outcome.pack
    assert pack is not None
    window.reload_lessons()
    first = next((n for n, it in enumerate(window.items) if it.pack_id == pack.id), None)
    if first is not None:
        window.select_item(first)
    note = f" ({outcome.warnings} warnings: see tutor lesson validate)" if outcome.warnings else ""
    window.report(f"Imported {pack.title!r}: {len(pack.items)} items{note}.")


def pack_saved(window: MainWindow, folder: Path) -> None:
    """The lesson editor saved ``folder``: show it in the tree, or say where it went."""
    window.reload_lessons()
    library = packs_dir(window)
    if folder.resolve().parent != library.resolve():
        window.report(
            f"Saved the pack in {folder}. It is not in your lessons folder ({library}): "
            "File › Import lesson pack… adds it."
        )
