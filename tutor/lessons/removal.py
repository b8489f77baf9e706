"""Removing an imported pack from the learner's library (``tutor lesson remove``, and
File › Remove lesson pack… in the app).

All or nothing: the pack's folder is first renamed, in one step, to a hidden ``.removing-``
name inside the library (which no pack list reads), and only then deleted. A run killed
part-way leaves either the whole pack or a hidden leftover that
:func:`~tutor.lessons.library.clean_library` deletes at the next start; never half a pack.

Progress is not touched: attempts are kept in the progress database under the pack's id and
the item ids, so importing the pack again brings its history back.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .issues import PackError
from .library import REMOVING_PREFIX, load_builtin_packs, load_pack, user_packs_dir
from .model import MANIFEST_NAME

log = logging.getLogger(__name__)

KEPT_PROGRESS = (
    "Every learner's progress on its items is kept: "
    "importing the pack again brings that history back."
)


class RemoveError(Exception):
    """A pack that was not removed, and why (a message a teacher can act on)."""


@dataclass(frozen=True)
class InstalledPack:
    """A pack folder in the learner's library: what ``remove_pack`` accepts as ``name``.

    ``name`` is the pack's id, or the folder's name when its manifest cannot be read (a
    broken pack can be removed too, by the name ``tutor lesson list`` reports it by)."""

    name: str
    folder: Path
    title: str = ""
    items: int = 0
    problem: str = ""  # why the pack cannot be read ("" when it can)

    def label(self) -> str:
        """How a list of packs names it: title, id and size, or what is wrong with it."""
        if self.problem:
            return f"{self.name} (cannot be read)"
        items = "1 item" if self.items == 1 else f"{self.items} items"
        return f"{self.title} ({self.name}, {items})"


@dataclass(frozen=True)
class Removed:
    """The pack that was removed, for the message that says so."""

    pack: InstalledPack

    def message(self) -> str:
        what = repr(self.pack.title) if self.pack.title else f"the pack in {self.pack.folder}"
        return f"Removed {what} ({self.pack.name}). {KEPT_PROGRESS}"


def installed_packs(library: str | os.PathLike[str] | None = None) -> list[InstalledPack]:
    """The packs in ``library`` (default: the learner's lessons folder), broken ones too,
    by name. Hidden folders (work folders, packs being deleted) are not packs."""
    folder = Path(library) if library is not None else user_packs_dir()
    try:
        subs = sorted(
            p
            for p in folder.iterdir()
            if not p.name.startswith(".") and (p / MANIFEST_NAME).is_file()
        )
    except OSError:  # no lessons folder yet, or one that cannot be read: nothing installed
        return []
    found: list[InstalledPack] = []
    for sub in subs:
        try:
            pack = load_pack(sub)
        except (PackError, OSError, ValueError, RecursionError, MemoryError) as exc:
            found.append(InstalledPack(sub.name, sub, problem=str(exc) or type(exc).__name__))
        else:
            found.append(InstalledPack(pack.id, sub, pack.title, len(pack.items)))
    return found


def removable_packs(library: str | os.PathLike[str] | None = None) -> list[InstalledPack]:
    """The installed packs :func:`remove_pack` would remove: all but copies of built-in ones."""
    builtin = {p.id for p in load_builtin_packs()}
    return [p for p in installed_packs(library) if p.name not in builtin]


def find_installed(pack_id: str, library: str | os.PathLike[str] | None = None) -> InstalledPack:
    """The installed pack ``pack_id`` names (see :func:`remove_pack`); raises
    :class:`RemoveError` for a built-in or unknown one."""
    library = Path(library) if library is not None else user_packs_dir()
    installed = installed_packs(library)
    builtin = {p.id for p in load_builtin_packs()}
    if pack_id in builtin:
        message = (
            f"{pack_id!r} is a built-in lesson pack: it ships with the app and cannot be removed."
        )
        copy = next((p for p in installed if p.name == pack_id), None)
        if copy is not None:
            message += (
                f" The copy with the same id in {copy.folder} is not used (the built-in pack "
                "is); delete that folder yourself if you want it gone."
            )
        raise RemoveError(message)
    by_id = [p for p in installed if p.name == pack_id and not p.problem]
    by_folder = [p for p in installed if p.folder.name == pack_id]
    candidates = by_id or by_folder
    match = candidates[0] if candidates else None
    if len(by_id) > 1:
        folders = ", ".join(str(p.folder) for p in by_id)
        raise RemoveError(
            f"{len(by_id)} installed packs have the id {pack_id!r} ({folders}); "
            f"remove one by its folder name instead"
        )
    if match is None:
        names = ", ".join(p.name for p in installed if p.name not in builtin)
        listed = f"Installed packs: {names}." if names else "No lesson packs are installed."
        raise RemoveError(f"No installed lesson pack is called {pack_id!r}. {listed}")
    return match


def _check_inside(pack: InstalledPack, library: Path) -> None:
    """Refuse a pack folder that is a link, or that leads out of the library: deleting it
    would delete files that were never imported."""
    folder = pack.folder
    if folder.is_symlink():
        raise RemoveError(
            f"{folder} is a link to {os.path.realpath(folder)}, not a pack tutor installed; "
            "nothing was removed. Delete the link yourself if you want the pack gone."
        )
    if folder.resolve().parent != library.resolve():
        raise RemoveError(
            f"{folder} leads out of the lessons folder {library}; nothing was removed."
        )


def remove_pack(pack_id: str, library: str | os.PathLike[str] | None = None) -> Removed:
    """Remove the installed pack ``pack_id`` (its id, or else its folder's name: a broken
    pack is known by that) from ``library`` (default: the learner's lessons folder), all or nothing.

    Raises :class:`RemoveError` with a plain message for a built-in pack, an unknown id
    (naming the installed ones), a link leading out of the library, or a folder that
    cannot be changed (read-only); the library is then exactly as before. Progress is
    kept (see :data:`KEPT_PROGRESS`)."""
    folder = Path(library) if library is not None else user_packs_dir()
    pack = find_installed(pack_id, folder)
    _check_inside(pack, folder)
    # a sibling of the pack's folder: renaming within one folder is one atomic step, and
    # needs no write permission on the pack's own folder
    trash = folder / f"{REMOVING_PREFIX}{pack.folder.name}-{uuid.uuid4().hex[:8]}"
    try:
        pack.folder.rename(trash)
    except OSError as exc:
        from tutor.atomic import describe_write_error

        reason = describe_write_error(exc, folder)
        raise RemoveError(f"{pack.name!r} was not removed: {reason}.") from exc
    _delete(trash)
    return Removed(pack)


def _delete(trash: Path) -> None:
    """Delete a pack already moved out of the library. The manifest goes first, so a
    folder left half-deleted is never read as a pack; what cannot be deleted now is left
    for :func:`~tutor.lessons.library.clean_library` (the pack is already gone)."""
    try:
        (trash / MANIFEST_NAME).unlink(missing_ok=True)
        shutil.rmtree(trash, onerror=_writable_and_retry)
    except OSError as exc:
        log.warning("Could not delete %s (it is removed from the lessons): %s", trash, exc)


def _writable_and_retry(
    func: Callable[[str], object], path: str, info: tuple[type, BaseException, object]
) -> None:
    """A read-only folder inside the pack (copied from a CD, a locked USB stick): make it
    writable and delete once more; any other failure, or a second one, is raised."""
    if func not in (os.unlink, os.remove, os.rmdir):
        raise info[1]
    parent = os.path.dirname(path)
    os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
    if not os.path.islink(path) and os.path.exists(path):
        os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    func(path)
