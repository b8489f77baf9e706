"""Lesson packs: the manifest format, validation, ``.tutorpack`` archives, the library.

A pack is a folder (or a zipped ``.tutorpack``) with a ``pack.toml`` manifest and optional
reference audio. Packs are data only: nothing in them is ever executed.
"""

from .archive import extract_pack, write_pack_archive
from .issues import Issue, PackError, Severity
from .library import (
    import_pack,
    load_all_packs,
    load_builtin_packs,
    load_pack,
    load_user_packs,
    user_packs_dir,
    validate_pack,
)
from .manifest import parse_manifest
from .model import FORMAT_VERSION, ItemType, LessonItem, LessonPack
from .removal import (
    InstalledPack,
    Removed,
    RemoveError,
    find_installed,
    installed_packs,
    removable_packs,
    remove_pack,
)
from .validate import Report, validate_folder
from .writer import dump_manifest, write_manifest

__all__ = [
    "FORMAT_VERSION",
    "InstalledPack",
    "Issue",
    "ItemType",
    "LessonItem",
    "LessonPack",
    "PackError",
    "RemoveError",
    "Removed",
    "Report",
    "Severity",
    "dump_manifest",
    "extract_pack",
    "find_installed",
    "import_pack",
    "installed_packs",
    "load_all_packs",
    "load_builtin_packs",
    "load_pack",
    "load_user_packs",
    "parse_manifest",
    "removable_packs",
    "remove_pack",
    "user_packs_dir",
    "validate_folder",
    "validate_pack",
    "write_manifest",
    "write_pack_archive",
]
