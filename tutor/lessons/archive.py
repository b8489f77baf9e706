"""``.tutorpack`` files: a lesson pack folder in a zip, unpacked defensively.

Packs come from USB sticks and e-mail, so they are untrusted: entries are bounded in
number and size (the bytes actually inflated are counted, not the sizes the zip claims),
names must be plain relative paths (no absolute paths, ``..``, backslashes, drive letters),
symlinks and unknown file types are refused, and nothing is ever run.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from tutor import atomic

from .issues import PackError
from .manifest import MAX_MANIFEST_BYTES, unsafe_relative_path
from .model import AUDIO_SUFFIXES, MANIFEST_NAME

ALLOWED_SUFFIXES: tuple[str, ...] = (".toml", *AUDIO_SUFFIXES, ".txt", ".md")
MAX_ENTRIES = 4000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; higher smells of a zip bomb
RATIO_FLOOR = 1_000_000  # below this many bytes unpacked, any ratio is harmless
_CHUNK = 1 << 16


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    problem = unsafe_relative_path(name.rstrip("/") if info.is_dir() else name)
    if problem:
        return problem
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic links are not allowed"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    if info.is_dir():
        return None
    kind = stat.S_IFMT(mode)
    if kind and kind != stat.S_IFREG:  # devices, pipes, sockets...
        return "only plain files are allowed"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return (
            f"{suffix or 'files without an extension'} files are not allowed in a pack "
            f"(allowed: {', '.join(ALLOWED_SUFFIXES)})"
        )
    if PurePosixPath(name).name == MANIFEST_NAME and info.file_size > MAX_MANIFEST_BYTES:
        return (
            f"is {info.file_size / 1000:.0f} kB; a manifest may be at most "
            f"{MAX_MANIFEST_BYTES // 1000} kB"
        )
    if info.file_size > MAX_FILE_BYTES:
        return (
            f"is {info.file_size / 1e6:.1f} MB; files in a pack may be at most "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB"
        )
    if (
        info.compress_size
        and info.file_size / info.compress_size > MAX_RATIO
        and info.file_size > 1_000_000
    ):
        return (
            f"unpacks to {info.file_size / 1e6:.1f} MB from "
            f"{info.compress_size / 1e3:.0f} kB, more than {MAX_RATIO} times its packed "
            "size (the limit); it looks like a zip bomb"
        )
    return None


def _strip_prefix(names: list[str], label: str) -> str:
    """``"mypack/"`` when the zip holds one folder with the manifest in it, else ``""``."""
    if MANIFEST_NAME in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1:
        prefix = f"{tops.pop()}/"
        if f"{prefix}{MANIFEST_NAME}" in names:
            return prefix
    raise PackError(f"no {MANIFEST_NAME} at the top of the pack", label)


def extract_pack(archive: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Unpack ``archive`` into the new folder ``target`` (which must not exist yet).

    Raises :class:`PackError` naming the entry and the rule it broke; on any failure
    nothing is left at ``target``.
    """
    archive, target = Path(archive), Path(target)
    label = archive.name
    if target.exists():
        raise PackError(f"{target} already exists", label)
    if not archive.is_file():
        raise PackError(f"{archive} is not a file", label)
    if archive.stat().st_size > MAX_TOTAL_BYTES:
        raise PackError(f"the pack is larger than {MAX_TOTAL_BYTES / 1e6:.0f} MB", label)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackError(f"not a .tutorpack (zip) file: {exc}", label) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise PackError(f"{len(infos)} entries; a pack may hold at most {MAX_ENTRIES}", label)
        seen: set[str] = set()
        for info in infos:
            problem = _entry_problem(info)
            if problem:
                raise PackError(f"{info.filename!r}: {problem}", label)
            key = info.filename.rstrip("/").lower()
            if key in seen:
                raise PackError(f"{info.filename!r} appears twice in the pack", label)
            seen.add(key)
        claimed = sum(i.file_size for i in infos)
        if claimed > MAX_TOTAL_BYTES:
            raise PackError(
                f"the unpacked pack would be {claimed / 1e6:.0f} MB; at most "
                f"{MAX_TOTAL_BYTES / 1e6:.0f} MB are allowed",
                label,
            )
        packed = archive.stat().st_size
        if claimed > RATIO_FLOOR and claimed > MAX_RATIO * packed:
            raise PackError(
                f"its {len(infos)} entries unpack to {claimed / 1e6:.0f} MB from "
                f"{packed / 1e3:.0f} kB, more than {MAX_RATIO} times the pack's "
                "size (the limit); it looks like a zip bomb",
                label,
            )
        # the bytes actually inflated are bounded too (sizes in a zip can lie)
        budget = min(MAX_TOTAL_BYTES, max(MAX_RATIO * packed, RATIO_FLOOR))
        files = [i for i in infos if not i.is_dir()]
        prefix = _strip_prefix([i.filename for i in files], label)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=target.parent))
        try:
            total = 0
            for info in files:
                name = info.filename[len(prefix) :] if info.filename.startswith(prefix) else None
                if not name:
                    raise PackError(
                        f"{info.filename!r} is outside the pack folder {prefix!r}", label
                    )
                dest = staging.joinpath(*PurePosixPath(name).parts)
                if not dest.resolve().is_relative_to(staging.resolve()):
                    raise PackError(f"{info.filename!r} would land outside the pack", label)
                dest.parent.mkdir(parents=True, exist_ok=True)
                total += _copy_bounded(zf, info, dest, budget - total, label)
            staging.rename(target)
        except PackError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as exc:  # corrupt data, unsupported compression...
            shutil.rmtree(staging, ignore_errors=True)
            raise PackError(f"the pack is damaged: {exc}", label) from exc
    return target


def _copy_bounded(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: int, label: str
) -> int:
    limit = min(MAX_FILE_BYTES, budget)
    written = 0
    with zf.open(info) as src, open(dest, "xb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise PackError(
                    f"{info.filename!r} inflates past the size limit (at most "
                    f"{MAX_FILE_BYTES / 1e6:.0f} MB a file, {MAX_RATIO} times the "
                    "pack's size in all)",
                    label,
                )
            out.write(chunk)
    return written


def referenced_audio(folder: Path) -> list[str]:
    """The audio paths the folder's manifest names (``[]`` when it cannot be read)."""
    from .manifest import parse_manifest

    try:
        text = (folder / MANIFEST_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    pack, _ = parse_manifest(text)
    return [i.audio for i in pack.items if i.audio] if pack is not None else []


def pack_files(folder: Path) -> list[Path]:
    """The files of a pack folder that belong in a ``.tutorpack`` (sorted, no symlinks).

    Hidden files and folders (``.git``, editor backups) are left out, except audio the
    manifest refers to: a pack must arrive with every file it needs."""
    wanted = {folder.joinpath(*rel.split("/")) for rel in referenced_audio(folder)}
    out: list[Path] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in rel.parts)
        if (hidden and path not in wanted) or path.is_symlink():
            continue
        if any(p.is_symlink() for p in path.parents if p != folder and folder in p.parents):
            continue
        if path.is_file() and path.suffix.lower() in ALLOWED_SUFFIXES:
            out.append(path)
    return out


def write_pack_archive(folder: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Zip a pack folder into ``out`` (written to a temporary name, then renamed)."""
    folder, out = Path(folder), Path(out)
    if not (folder / MANIFEST_NAME).is_file():
        raise PackError(f"{folder} has no {MANIFEST_NAME}", str(folder))
    files = pack_files(folder)
    total = sum(p.stat().st_size for p in files)
    if len(files) > MAX_ENTRIES or total > MAX_TOTAL_BYTES:
        raise PackError(
            f"the pack is too big to share ({len(files)} files, {total / 1e6:.0f} MB)", str(folder)
        )
    for path in files:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PackError(
                f"{path.relative_to(folder)} is larger than {MAX_FILE_BYTES / 1e6:.0f} MB",
                str(folder),
            )

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (2024, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                compress = path.suffix.lower() not in (".flac", ".ogg")
                info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                zf.writestr(info, path.read_bytes())

    return atomic.write_with(out, write)
