"""The package map holds: no import cycle among tutor's modules, Qt only in the GUI, the
application core and the engine free of Qt (a static check over the source with ast)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tutor"
#: the only modules outside tutor/ui that may import Qt: the app command (it starts the GUI)
QT_OUTSIDE_UI = {"tutor.commands.app"}
MAX_LINES = 600
MAX_UI_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs (module level or inside functions), not the ones only type
    checkers see (``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def imported(name: str, path: Path) -> set[str]:
    """The names of the modules ``name`` imports (absolute; a ``from package import module``
    counts as the module)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            here = name.split(".") if is_package else name.split(".")[:-1]
            anchor = here[: len(here) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}"
            out.add(full if full in MODULES else base)
    return out


GRAPH = {
    name: {m for m in imported(name, path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_the_imports_it_should() -> None:
    # guards the checker itself: relative, package and lazy imports are all followed
    assert "tutor.core.sitting" in GRAPH["tutor.core"]
    assert "tutor.ui.theme" in GRAPH["tutor.ui.main_window"]  # from . import theme
    assert "tutor.ui.lesson_editor" in GRAPH["tutor.ui.window_dialogs"]  # inside a function
    assert "tutor.ui.main_window" not in GRAPH["tutor.ui.main_layout"]  # TYPE_CHECKING only


def test_no_import_cycle_among_tutor_modules() -> None:
    assert cycles() == []


def test_qt_only_in_the_gui() -> None:
    offenders = sorted(
        name
        for name, path in MODULES.items()
        if not name.startswith("tutor.ui")
        and name not in QT_OUTSIDE_UI
        and any(
            m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph") for m in imported(name, path)
        )
    )
    assert offenders == []


def test_the_core_and_the_engine_never_reach_into_the_gui() -> None:
    for name in GRAPH:
        if name.startswith(
            (
                "tutor.core",
                "tutor.scoring",
                "tutor.lessons",
                "tutor.progress",
                "tutor.practice",
                "tutor.feedback",
            )
        ):
            assert not any(m.startswith("tutor.ui") for m in GRAPH[name]), name


def test_modules_are_small() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()
    }
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}
    assert {n: s for n, s in sizes.items() if n.startswith("tutor.ui") and s > MAX_UI_LINES} == {}


#: which tutor packages each layer may import (``tutor.paths``, ``tutor.atomic`` and the
#: package itself, ``tutor`` (its version), are open to all); the GUI, the commands and the
#: CLI sit on top and may import any of them
LAYERS = {
    "tutor.scoring": set(),
    "tutor.progress": {"tutor.scoring"},
    "tutor.lessons": {"tutor.scoring"},
    "tutor.voice": {"tutor.scoring"},
    "tutor.feedback": {"tutor.scoring", "tutor.voice"},
    "tutor.practice": {"tutor.scoring", "tutor.lessons", "tutor.progress"},
    "tutor.core": {
        "tutor.scoring",
        "tutor.lessons",
        "tutor.progress",
        "tutor.practice",
        "tutor.feedback",
        "tutor.voice",
        "tutor.recording",
    },
    "tutor.classroom": {
        "tutor.scoring",
        "tutor.lessons",
        "tutor.progress",
        "tutor.practice",
        "tutor.feedback",
    },
    "tutor.train": {"tutor.scoring", "tutor.voice"},  # voice_check speaks with the app's voices
}
OPEN = {"tutor", "tutor.paths", "tutor.atomic"}


def test_packages_import_only_the_layers_below_them() -> None:
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if package(name) in LAYERS
        for target in targets
        if package(target) != package(name)
        and package(target) not in OPEN
        and package(target) not in LAYERS[package(name)]
    )
    assert wrong == []
    assert GRAPH["tutor"] == set()  # open to all because it imports nothing (the version)
