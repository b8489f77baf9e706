"""Where packs live and how they get there: the built-in curriculum, imported packs,
``.tutorpack`` files, and importing a teacher's pack from a USB stick."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tutor.paths import builtin_lessons_dir, user_data_dir

from .archive import extract_pack, pack_files
from .issues import PackError
from .model import MANIFEST_NAME, PACK_SUFFIX, LessonPack
from .validate import Progress, Report, validate_folder

log = logging.getLogger(__name__)


def user_packs_dir() -> Path:
    """Packs imported by the teacher (``<user data>/lessons``)."""
    return user_data_dir() / "lessons"


def load_pack(folder: str | os.PathLike[str]) -> LessonPack:
    """Read a pack folder (structure only; fast). Raises :class:`PackError`."""
    report = validate_folder(folder, check_phones=False, check_audio=False)
    if not report.ok or report.pack is None:
        raise PackError(report.issues)
    return report.pack


@contextmanager
def opened(path: str | os.PathLike[str]) -> Iterator[tuple[Path, str]]:
    """A folder holding the pack at ``path`` (a folder, a ``pack.toml``, or a ``.tutorpack``),
    and the label to use for its manifest in messages. Archives are unpacked into a
    temporary folder that is removed afterwards."""
    path = Path(path)
    if path.is_file() and path.name == MANIFEST_NAME:
        path = path.parent
    if path.is_dir():
        yield path, str(path / MANIFEST_NAME)
        return
    if not path.exists():
        raise PackError(f"{path} does not exist", str(path))
    with work_folder() as tmp:
        folder = extract_pack(path, tmp / "pack")
        yield folder, f"{path.name}:{MANIFEST_NAME}"


@contextmanager
def work_folder(library: Path | None = None) -> Iterator[Path]:
    """A new folder to unpack or stage a pack in, removed afterwards. It lives in the
    library (so a killed run's leftover is found and removed by :func:`clean_library` at
    the next start), or in the system's temporary folder when the library is read-only."""
    library = library if library is not None else user_packs_dir()
    try:
        library.mkdir(parents=True, exist_ok=True)
        clean_library(library)
        work = Path(tempfile.mkdtemp(prefix=IMPORT_PREFIX, dir=library))
    except OSError:
        work = Path(tempfile.mkdtemp(prefix="tutor-pack-"))
    try:
        (work / _OWNER).write_text(str(os.getpid()))
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def validate_pack(
    path: str | os.PathLike[str], *, check_phones: bool = True, progress: Progress | None = None
) -> Report:
    """Every check, on a folder or a ``.tutorpack``. Bad archives become a report too."""
    try:
        with opened(path) as (folder, label):
            report = validate_folder(
                folder, check_phones=check_phones, label=label, progress=progress
            )
            if report.pack is not None and folder != Path(path) and folder != Path(path).parent:
                # the temporary folder goes away: keep no paths into it
                pack = report.pack
                items = tuple(dataclasses.replace(i, reference_audio=None) for i in pack.items)
                report.pack = dataclasses.replace(pack, items=items, root=None)
            return report
    except PackError as exc:
        return Report(None, exc.issues)


def _load_dir(folder: Path) -> list[LessonPack]:
    packs: list[LessonPack] = []
    if not folder.is_dir():
        return packs
    try:
        subs = sorted(
            p
            for p in folder.iterdir()
            if not p.name.startswith(".") and (p / MANIFEST_NAME).is_file()
        )
    except OSError as exc:
        log.warning("Cannot read the lessons folder %s: %s", folder, exc)
        return packs
    for sub in subs:
        try:
            packs.append(load_pack(sub))
        except PackError as exc:  # one broken pack must not hide the others
            log.warning("Skipping the lesson pack in %s:\n%s", sub, exc)
        except (OSError, ValueError, RecursionError, MemoryError) as exc:  # nor a hostile one
            log.warning("Skipping the lesson pack in %s: %s", sub, exc)
    return packs


def load_builtin_packs() -> list[LessonPack]:
    """The curriculum shipped in ``lessons/``, ordered by level then title."""
    order = {"beginner": 0, "intermediate": 1, "advanced": 2}
    packs = _load_dir(builtin_lessons_dir())
    return sorted(packs, key=lambda p: (order.get(p.level, 3), p.title.lower()))


def load_user_packs() -> list[LessonPack]:
    clean_library(user_packs_dir())
    return _load_dir(user_packs_dir())


def load_all_packs() -> list[LessonPack]:
    """Built-in packs, then imported ones (an imported pack never replaces a built-in id)."""
    builtin = load_builtin_packs()
    ids = {p.id for p in builtin}
    return builtin + [p for p in load_user_packs() if p.id not in ids]


#: Work folders an import leaves in the library only while it runs; a run that was killed
#: leaves them behind and :func:`clean_library` removes them at the next start.
IMPORT_PREFIX = ".import-"
OLD_PREFIX = ".old-"
REMOVING_PREFIX = ".removing-"  # a pack being deleted (tutor.lessons.removal)
_LEFTOVER_PREFIXES = (IMPORT_PREFIX, REMOVING_PREFIX, ".unpacking-", ".tutor-tmp-")
_OWNER = "owner.pid"  # in a work folder: the process that is using it


def _in_use(work: Path) -> bool:
    """A work folder whose process is still running (another import, right now)."""
    try:
        pid = int((work / _OWNER).read_text())
    except (OSError, ValueError):
        return False
    if os.name != "posix":  # no cheap liveness test: trust folders younger than a day
        import time

        try:
            return time.time() - work.stat().st_mtime < 86400
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_library(library: str | os.PathLike[str] | None = None) -> list[str]:
    """Finish or undo what an interrupted import left in ``library``: work folders are
    removed, and an installed pack that a killed replace had moved aside is put back.
    Returns what was done (for a log). Never raises."""
    library = Path(library) if library is not None else user_packs_dir()
    done: list[str] = []
    try:
        entries = sorted(library.iterdir())
    except OSError:
        return done
    if any(e.name.startswith(IMPORT_PREFIX) and _in_use(e) for e in entries):
        return done  # an import is running: leave its folders alone
    for entry in entries:
        try:
            if entry.name.startswith(OLD_PREFIX) and entry.is_dir():
                target = library / entry.name[len(OLD_PREFIX) :]
                if not target.exists():  # killed between moving the old pack and the new in
                    entry.rename(target)
                    done.append(f"restored {target.name}")
                    continue
                shutil.rmtree(entry)
                done.append(f"removed {entry.name}")
            elif entry.name.startswith(_LEFTOVER_PREFIXES):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                done.append(f"removed {entry.name}")
        except OSError as exc:
            log.warning("Could not tidy %s: %s", entry, exc)
    return done


def _stage(source: Path, staged: Path) -> str:
    """Copy (or unpack) ``source`` into the new folder ``staged``; returns the label to
    name its manifest by in messages."""
    if source.is_file() and source.name == MANIFEST_NAME:
        source = source.parent
    if source.is_dir():
        manifest = source / MANIFEST_NAME
        label = str(manifest)
        if manifest.is_symlink():
            raise PackError(
                f"{MANIFEST_NAME} is a symbolic link; packs may not contain links. "
                "Copy the real file into the pack folder",
                label,
            )
        if not manifest.is_file():
            raise PackError(f"{source} has no {MANIFEST_NAME}", label)
        staged.mkdir()
        for path in pack_files(source):
            dest = staged / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        return label
    if not source.exists():
        raise PackError(f"{source} does not exist", str(source))
    extract_pack(source, staged)
    return f"{source.name}:{MANIFEST_NAME}"


def import_pack(
    source: str | os.PathLike[str],
    library: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> tuple[LessonPack, Report]:
    """Copy ``source`` into the library as ``<library>/<pack id>``, all or nothing.

    The pack is staged in a work folder inside the library, the staged copy (what will
    actually be installed) is validated completely, and only then swapped in. Refuses
    packs with errors, packs whose id is a built-in pack's, and (unless ``replace``) packs
    already imported. On any failure the library is exactly as before and no work folder
    is left. Returns the installed pack and the report (whose warnings the caller shows).
    """
    library = Path(library) if library is not None else user_packs_dir()
    library.mkdir(parents=True, exist_ok=True)
    with work_folder(library) as work:
        if work.parent != library:
            raise PackError(f"the lessons folder {library} cannot be written", str(source))
        staged = work / "pack"
        label = _stage(Path(source), staged)
        report = validate_folder(staged, label=label, progress=progress)
        if not report.ok or report.pack is None:
            raise PackError(report.issues)
        pack_id = report.pack.id
        if pack_id in {p.id for p in load_builtin_packs()}:
            raise PackError(
                f"the pack id {pack_id!r} belongs to a built-in pack; give the pack another id",
                label,
            )
        target = library / pack_id
        if target.exists() and not replace:
            raise PackError(
                f"a pack with id {pack_id!r} is already installed (in {target}); "
                "import with replace to update it",
                label,
            )
        load_pack(staged)  # what the app will read: must load before it replaces anything
        if target.exists():
            old = library / f"{OLD_PREFIX}{pack_id}"
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            try:
                staged.rename(target)
            except BaseException:
                old.rename(target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            staged.rename(target)
    return load_pack(target), report


def is_pack_archive(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in (PACK_SUFFIX, ".zip")
