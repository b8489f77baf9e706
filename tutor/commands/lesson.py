"""``tutor lesson new | validate | pack | import | list | remove``: lesson packs for teachers.

``remove`` deletes an imported pack (never a built-in one) and keeps the learners' progress
on it: importing the pack again brings that history back."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from tutor.lessons import Report

PROGRESS_FROM = 200  # items: smaller packs are checked in moments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="lesson_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="create a new pack folder with an example item")
    new.add_argument("folder", type=Path, help="the folder to create")
    new.add_argument("--id", help="pack id (default: from the folder name)")
    new.add_argument("--title", help="pack title (default: from the folder name)")
    new.add_argument("--author", default="", help="your name")
    new.add_argument(
        "--level", default="beginner", choices=("beginner", "intermediate", "advanced")
    )

    val = sub.add_parser("validate", help="check packs (folders or .tutorpack files)")
    val.add_argument("paths", type=Path, nargs="+", metavar="PACK")
    val.add_argument("--strict", action="store_true", help="treat warnings as errors")
    val.add_argument(
        "--no-phones", action="store_true", help="skip the word -> phones check (faster)"
    )

    pack = sub.add_parser("pack", help="validate a pack folder and zip it into a .tutorpack")
    pack.add_argument("folder", type=Path)
    pack.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the .tutorpack to write (default: <pack id>.tutorpack here)",
    )

    sub.add_parser("list", help="list the lesson packs on this computer (and any that are broken)")

    imp = sub.add_parser("import", help="validate a pack and add it to this computer's lessons")
    imp.add_argument("source", type=Path, metavar="PACK", help="a .tutorpack file or a folder")
    imp.add_argument("--replace", action="store_true", help="replace an installed pack")

    rem = sub.add_parser(
        "remove", help="remove an imported pack from this computer (progress on it is kept)"
    )
    rem.add_argument(
        "pack_id", metavar="PACK_ID", help="the pack's id, as `tutor lesson list` shows"
    )
    rem.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace) -> int:
    handlers = {
        "new": _new,
        "validate": _validate,
        "pack": _pack,
        "import": _import,
        "list": _list,
        "remove": _remove,
    }
    return handlers[args.lesson_command](args)


def _progress(name: object) -> Callable[[int, int, int], None]:
    """Prints how far checking a big pack has got (to stderr, every 100 items)."""

    def show(done: int, total: int, guessed: int) -> None:
        if total >= PROGRESS_FROM and (done % 100 == 0 or done == total):
            print(
                f"{name}: checked {done}/{total} items ({guessed} words not in the "
                "dictionary guessed)",
                file=sys.stderr,
                flush=True,
            )

    return show


def _print_report(report: Report) -> None:
    for issue in report.issues:
        print(issue)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]
    return slug or "my-pack"


def _new(args: argparse.Namespace) -> int:
    from tutor.lessons import ItemType, LessonItem, LessonPack, write_manifest
    from tutor.lessons.manifest import ID_RE
    from tutor.lessons.model import MANIFEST_NAME

    folder: Path = args.folder
    if (folder / MANIFEST_NAME).exists():
        print(f"{folder / MANIFEST_NAME} already exists; not overwriting it.", file=sys.stderr)
        return 1
    pack_id = args.id or _slug(folder.name)
    if not ID_RE.match(pack_id):
        print(f"--id {pack_id!r}: use lower-case letters, digits, '-' or '_'.", file=sys.stderr)
        return 2
    title = args.title or folder.name.replace("-", " ").replace("_", " ").strip().title()
    example = LessonItem(
        id="think-sink",
        text="think, sink",
        type=ItemType.MINIMAL_PAIR,
        focus_phones=("TH", "S"),
        tip="Tongue between the teeth for TH, behind the teeth for S.",
    )
    pack = LessonPack(
        id=pack_id,
        title=title or pack_id,
        items=(example,),
        author=args.author,
        level=args.level,
        description="Describe what this pack practises.",
    )
    try:
        path = write_manifest(pack, folder)
        (folder / "audio").mkdir(exist_ok=True)
    except OSError as exc:
        print(f"Could not create {folder}: {exc}", file=sys.stderr)
        return 1
    print(f"Created {path}. Edit it, then run: tutor lesson validate {folder}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from tutor.lessons import validate_pack

    failed = False
    for path in args.paths:
        report = validate_pack(
            path,
            check_phones=not args.no_phones,
            progress=None if args.no_phones else _progress(path),
        )
        _print_report(report)
        bad = bool(report.errors) or report.pack is None or (args.strict and bool(report.warnings))
        failed |= bad
        count = len(report.pack.items) if report.pack else 0
        verdict = "FAILED" if bad else "ok"
        print(
            f"{path}: {verdict} ({count} items, {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings)"
        )
    return 1 if failed else 0


def _pack(args: argparse.Namespace) -> int:
    from tutor.lessons import PackError, validate_pack, write_pack_archive
    from tutor.lessons.model import PACK_SUFFIX

    if not args.folder.is_dir():
        print(f"{args.folder} is not a pack folder.", file=sys.stderr)
        return 2
    report = validate_pack(args.folder, progress=_progress(args.folder))
    _print_report(report)
    if not report.ok or report.pack is None:
        print(f"{args.folder}: not packed, fix the errors above first.", file=sys.stderr)
        return 1
    out = args.output or Path(f"{report.pack.id}{PACK_SUFFIX}")
    try:
        write_pack_archive(args.folder, out)
    except (PackError, OSError) as exc:
        print(f"Could not write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {out} ({out.stat().st_size / 1024:.0f} kB, {len(report.pack.items)} items)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from tutor.lessons import PackError, import_pack

    try:
        pack, report = import_pack(
            args.source, replace=args.replace, progress=_progress(args.source)
        )
    except PackError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"{args.source}: not imported.", file=sys.stderr)
        return 1
    except OSError as exc:
        from tutor.atomic import describe_write_error

        print(
            f"{args.source}: not imported: {describe_write_error(exc, exc.filename)}",
            file=sys.stderr,
        )
        return 1
    _print_report(report)
    print(f"Imported {pack.title!r} ({len(pack.items)} items) into {pack.root}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from tutor.core import load_library

    library = load_library()
    for pack in library.packs:
        where = f"  ({pack.root})" if pack.root else ""
        print(f"{pack.id}: {pack.title!r}, {pack.level}, {len(pack.items)} items{where}")
    for problem in library.problems:
        print(problem, file=sys.stderr)
    return 1 if library.problems else 0


def _confirmed(question: str) -> bool:
    """The answer to a yes/no ``question`` typed at the terminal (no answer means no)."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def _remove(args: argparse.Namespace) -> int:
    from tutor.lessons import RemoveError, find_installed, remove_pack, user_packs_dir

    library = user_packs_dir()
    try:
        pack = find_installed(args.pack_id, library)
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    f"Not removed: pass --yes to remove {pack.label()} from {pack.folder} "
                    "without being asked.",
                    file=sys.stderr,
                )
                return 2
            if not _confirmed(f"Remove {pack.label()} from {pack.folder}?"):
                print("Not removed.")
                return 1
        removed = remove_pack(args.pack_id, library)
    except RemoveError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(removed.message())
    return 0
