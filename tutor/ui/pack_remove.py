"""File › Remove lesson pack…: choose an imported pack, confirm, remove it. The removal is
:func:`tutor.lessons.remove_pack`, the code ``tutor lesson remove`` runs (all or nothing,
built-in packs never offered); the learner's progress on the pack is kept."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from tutor.lessons import InstalledPack, Removed, RemoveError, removable_packs, remove_pack
from tutor.lessons.removal import KEPT_PROGRESS

from .pack_import import confirm, packs_dir, warn

if TYPE_CHECKING:
    from .main_window import MainWindow

TITLE = "Remove lesson pack"


def inform(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def choose(parent: QWidget, labels: list[str], current: int) -> int | None:
    """Which of ``labels`` to remove (its index), or ``None`` when cancelled."""
    label, ok = QInputDialog.getItem(
        parent, TITLE, "Which lesson pack do you want to remove?", labels, current, False
    )
    return labels.index(label) if ok and label in labels else None


def ask_remove(window: MainWindow) -> None:
    """Offer the imported packs (the one being practised first chosen), confirm, remove."""
    library = packs_dir(window)
    packs = removable_packs(library)
    if not packs:
        inform(
            window,
            TITLE,
            "No lesson packs have been imported, so there is none to remove. "
            "The built-in packs come with the app and stay.",
        )
        return
    here = window.item.pack_id if window.item is not None else None
    current = next((n for n, p in enumerate(packs) if p.name == here), 0)
    index = choose(window, [p.label() for p in packs], current)
    if index is None:
        return
    pack = packs[index]
    question = f"Remove {pack.label()} from this computer?\n\n{KEPT_PROGRESS}"
    if confirm(window, TITLE, question):
        remove_installed(window, pack)


def run_remove(pack: InstalledPack, library: Path) -> Removed | str:
    """Remove ``pack``: what was removed, or the message that says why not. Never raises
    (runs on a worker thread)."""
    try:
        return remove_pack(pack.name, library)
    except RemoveError as exc:
        return str(exc)


def remove_installed(window: MainWindow, pack: InstalledPack) -> None:
    """Remove ``pack`` in the background (as an import runs); the lesson list then shows the
    packs left at once. A refusal is explained in a dialog."""
    library = packs_dir(window)
    window.report(f"Removing {pack.label()}…")

    def done(outcome: Removed | str) -> None:
        window.reload_lessons()  # at once, and whatever happened: the packs as they are now
        if isinstance(outcome, Removed):
            window.report(outcome.message())
            return
        window.report(f"{pack.name}: not removed.")
        warn(window, "Pack not removed", f"{pack.label()} was not removed:\n\n{outcome}")

    window.runner.submit(lambda: run_remove(pack, library), done, done)  # done(why) on a crash
