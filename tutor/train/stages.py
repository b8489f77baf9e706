"""The training pipeline's stages in order, and the one rule for a finished step.

A step is finished when its *marker* file exists in its folder. A marker is written last
and atomically (:mod:`tutor.atomic`), so it never exists for half-done work, and a rerun
skips exactly the finished steps:

- ``done.json`` (:data:`DONE`) for a stage folder (``prepare``, ``align``, ``prune``,
  ``cluster``, ``int8``), holding what the stage reports;
- ``model.pt`` (:data:`MODEL`) for a trained acoustic variant: the saved model itself;
- ``head.json`` (:data:`HEAD`) for a variant's scoring head, beside its ``head.onnx``.

No torch here: ``tutor-train --help`` and the stage list load without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tutor.atomic import open_atomic, write_with

STAGES: tuple[str, ...] = (
    "prepare",
    "align",
    "teacher",
    "student",
    "distil",
    "prune",
    "cluster",
    "int8",
    "head",
    "ship",
)

DONE = "done.json"
MODEL = "model.pt"
HEAD = "head.json"


def is_done(folder: Path, marker: str = DONE) -> bool:
    """Whether the step that writes ``marker`` into ``folder`` has finished."""
    return (folder / marker).is_file()


def mark_done(folder: Path, info: dict, marker: str = DONE) -> Path:
    """Write the JSON ``marker`` (atomically): the step is finished."""
    with open_atomic(folder / marker, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(info, indent=2))
    return folder / marker


def save_marker(folder: Path, write: Callable[[Path], object], marker: str) -> Path:
    """Write a marker that is itself the step's product (``write(path)``, e.g. a
    ``torch.save``), atomically."""
    return write_with(folder / marker, write)
