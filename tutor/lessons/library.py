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
from .validate import Report, validate_folder

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
    with tempfile.TemporaryDirectory(prefix="tutor-pack-") as tmp:
        folder = extract_pack(path, Path(tmp) / "pack")
        yield folder, f"{path.name}:{MANIFEST_NAME}"


def validate_pack(path: str | os.PathLike[str], *, check_phones: bool = True) -> Report:
    """Every check, on a folder or a ``.tutorpack``. Bad archives become a report too."""
    try:
        with opened(path) as (folder, label):
            report = validate_folder(folder, check_phones=check_phones, label=label)
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
    for sub in sorted(p for p in folder.iterdir() if (p / MANIFEST_NAME).is_file()):
        try:
            packs.append(load_pack(sub))
        except PackError as exc:  # one broken pack must not hide the others
            log.warning("Skipping the lesson pack in %s:\n%s", sub, exc)
    return packs


def load_builtin_packs() -> list[LessonPack]:
    """The curriculum shipped in ``lessons/``, ordered by level then title."""
    order = {"beginner": 0, "intermediate": 1, "advanced": 2}
    packs = _load_dir(builtin_lessons_dir())
    return sorted(packs, key=lambda p: (order.get(p.level, 3), p.title.lower()))


def load_user_packs() -> list[LessonPack]:
    return _load_dir(user_packs_dir())


def load_all_packs() -> list[LessonPack]:
    """Built-in packs, then imported ones (an imported pack never replaces a built-in id)."""
    builtin = load_builtin_packs()
    ids = {p.id for p in builtin}
    return builtin + [p for p in load_user_packs() if p.id not in ids]


def import_pack(source: str | os.PathLike[str], library: str | os.PathLike[str] | None = None,
                *, replace: bool = False) -> tuple[LessonPack, Report]:
    """Validate ``source`` fully and copy it into the library as ``<library>/<pack id>``.

    Refuses packs with errors, packs whose id is a built-in pack's, and (unless
    ``replace``) packs already imported. Returns the installed pack and the report
    (whose warnings the caller should show).
    """
    library = Path(library) if library is not None else user_packs_dir()
    with opened(source) as (folder, label):
        report = validate_folder(folder, label=label)
        if not report.ok or report.pack is None:
            raise PackError(report.issues)
        pack_id = report.pack.id
        if pack_id in {p.id for p in load_builtin_packs()}:
            raise PackError(f"the pack id {pack_id!r} belongs to a built-in pack; give the "
                            "pack another id", label)
        target = library / pack_id
        if target.exists() and not replace:
            raise PackError(f"a pack with id {pack_id!r} is already installed (in {target}); "
                            "import with replace to update it", label)
        library.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".import-{pack_id}-", dir=library))
        try:
            for path in pack_files(folder):
                dest = staging / path.relative_to(folder)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
            if target.exists():
                old = target.with_name(f".old-{pack_id}")
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
                staging.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return load_pack(target), report


def is_pack_archive(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in (PACK_SUFFIX, ".zip")
