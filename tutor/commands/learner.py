"""``tutor learner list | add | remove``: the learners of this computer's progress file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROGRESS_FILE = "progress.sqlite3"


def progress_path() -> Path:
    """The progress file the app uses: ``<TUTOR_HOME or the user data folder>/progress.sqlite3``."""
    from tutor.paths import user_data_dir

    return user_data_dir() / PROGRESS_FILE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="learner_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="list the learners with their attempt counts")
    add = sub.add_parser("add", help="add a learner")
    add.add_argument("name")
    remove = sub.add_parser("remove", help="remove a learner and all their attempts")
    remove.add_argument("name")
    remove.add_argument(
        "--yes", action="store_true", help="really remove (their attempts cannot be brought back)"
    )


def run(args: argparse.Namespace) -> int:
    from tutor.progress import ProgressError, ProgressStore

    try:
        with ProgressStore(progress_path()) as store:
            if args.learner_command == "list":
                for learner in store.learners():
                    count = len(store.attempts(learner.name))
                    print(f"{learner.name}\t{count} attempt{'s' if count != 1 else ''}")
            elif args.learner_command == "add":
                print(f"Added {store.add_learner(args.name).name}")
            else:
                name = " ".join(args.name.split())
                count = len(store.attempts(name))
                if not args.yes:
                    print(
                        f"error: removing {name!r} deletes {count} attempts; add --yes to do it",
                        file=sys.stderr,
                    )
                    return 2
                store.delete_learner(name)
                print(f"Removed {name} ({count} attempts)")
    except ProgressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
