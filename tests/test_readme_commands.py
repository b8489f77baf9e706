"""The README's commands match the program: every ``tutor`` and ``tutor-train`` command line
in its code blocks parses with the real argument parsers (a renamed flag or subcommand
fails here, not for a reader), and none runs the system ``python`` instead of the venv's."""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
from pathlib import Path

import pytest

from tutor.cli import build_parser as tutor_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# how a command line starts -> which parser reads the rest
TUTOR_PREFIXES = (".venv/bin/tutor ", "./scripts/run-app.sh ", "./tutor/tutor ",
                  "xvfb-run -a .venv/bin/python -m tutor ", ".venv/bin/python -m tutor ",
                  "~/tutor-env/bin/tutor ")  # fmt: skip
TRAIN_PREFIX = ".venv/bin/tutor-train "
MODULE_PREFIX = re.compile(r"^\.venv/bin/python -m (tutor\.train\.\w+) ")  # their own main()


def _command_lines() -> list[str]:
    """Shell lines of the README: code blocks (continuations joined, comments dropped) and
    inline `...` spans that start like a command."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    lines += [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", prose) if "-m tutor" in s]
    return lines


COMMANDS = _command_lines()


def test_the_readme_has_commands_to_check() -> None:
    assert sum(c.startswith(TRAIN_PREFIX) for c in COMMANDS) >= 3
    assert sum(c.startswith(TUTOR_PREFIXES) for c in COMMANDS) >= 8
    assert sum(bool(MODULE_PREFIX.match(c)) for c in COMMANDS) >= 4


@pytest.mark.parametrize(
    "line", [c for c in COMMANDS if c.startswith((*TUTOR_PREFIXES, TRAIN_PREFIX))]
)
def test_each_command_parses(line: str) -> None:
    from tutor.train.cli import build_parser as train_parser

    if line.startswith(TRAIN_PREFIX):
        parser, rest = train_parser(), line.removeprefix(TRAIN_PREFIX)
    else:
        prefix = next(p for p in TUTOR_PREFIXES if line.startswith(p))
        parser, rest = tutor_parser(), line.removeprefix(prefix)
    try:
        parser.parse_args(shlex.split(rest))
    except SystemExit as exc:
        pytest.fail(f"README command does not parse (exit {exc.code}): {line}")


class _Parsed(Exception):
    """Raised once a command's arguments parsed, so that the command does not run."""


@pytest.mark.parametrize("line", [c for c in COMMANDS if MODULE_PREFIX.match(c)])
def test_each_training_module_command_parses(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch", reason="the [train] extra")
    match = MODULE_PREFIX.match(line)
    assert match is not None
    module = importlib.import_module(match.group(1))
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):  # noqa: ANN001, ANN202
        original(self, args, namespace)
        raise _Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    try:
        module.main(shlex.split(line[match.end() :]))
    except _Parsed:
        return
    except SystemExit as exc:
        pytest.fail(f"README command does not parse (exit {exc.code}): {line}")
    pytest.fail(f"{match.group(1)}.main() never parsed its arguments")


def test_no_command_runs_the_system_python() -> None:
    for line in COMMANDS:
        words = shlex.split(line)
        for k, word in enumerate(words):
            if word in ("python", "python3") and "-m" in words[k + 1 : k + 2]:
                assert words[k + 2] in ("venv", "build") or "tutor-env" in line, line
