"""The ``tutor`` command: the app by default, plus subcommands for scoring and lessons.

Each subcommand lives in ``tutor/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``. Command modules keep heavy imports (Qt, onnxruntime) inside
``run`` so that ``tutor score`` never loads Qt and ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

#: Commands whose module name differs from the command (``class`` is a Python keyword).
MODULES: dict[str, str] = {"class": "class_results"}

COMMANDS: dict[str, str] = {
    "score": "Score a recording against a text and print the result",
    "bench": "Benchmark the engine on a speechocean762-style data folder",
    "lesson": "Create, validate, pack and import lesson packs",
    "say": "Speak a prompt with the reference voice and save it as WAV",
    "class": "Export a learner's results; report on the class from exported files",
    "learner": "List, add or remove learners",
    "app": "Start the desktop app (the default)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor", description="Offline pronunciation tutor.")
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="score the bundled sample offline and exit 0 if all is well",
    )
    parser.add_argument(
        "--demo-screenshot",
        metavar="OUT.png",
        help="score the bundled sample, render the main window headless, save a screenshot",
    )
    parser.add_argument(
        "--demo-screenshots",
        metavar="DIR",
        help="render each main view from demo data, light and dark, as PNGs into DIR",
    )
    parser.add_argument(
        "--theme",
        choices=("light", "dark"),
        default="light",
        help="colour theme of the --demo-screenshot render (default: light)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"tutor.commands.{MODULES.get(name, name)}")
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


#: ``tutor FILE`` ("open with" from a file manager) opens the app on it.
OPEN_WITH = (".tutorpack", ".zip", ".wav", ".flac", ".ogg")


def open_with(argv: list[str]) -> list[str]:
    """``tutor path/to/pack.tutorpack`` (or an audio file) -> ``tutor app --open PATH``."""
    if len(argv) == 1 and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        if argv[0].lower().endswith(OPEN_WITH):
            return ["app", "--open", argv[0]]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(open_with(sys.argv[1:] if argv is None else argv))
    if args.self_test:
        from .commands import selftest

        return selftest.run(args)
    if args.demo_screenshot:
        from .commands import app

        return app.demo_screenshot(args.demo_screenshot, theme=args.theme)
    if args.demo_screenshots:
        from .commands import app

        return app.demo_screenshots(args.demo_screenshots)
    name = args.command or "app"
    module = importlib.import_module(f"tutor.commands.{MODULES.get(name, name)}")
    if args.command is None:
        args = module_defaults(module)
    return int(module.run(args) or 0)


def module_defaults(module: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser.parse_args([])


if __name__ == "__main__":
    sys.exit(main())
