"""Line numbers for TOML keys and tables.

``tomllib`` returns plain dicts without positions, so validation messages find the line of
a field by scanning the source: table headers (``[pack]``, the n-th ``[[items]]``) and
``key = value`` lines inside them. It is deliberately forgiving: when a key cannot be
placed, the line of the nearest enclosing table is used instead.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_PART_RE = r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'"""
_KEY = re.compile(rf"^\s*((?:{_PART_RE})(?:\s*\.\s*(?:{_PART_RE}))*)\s*=")
_PART = re.compile(_PART_RE)

Path_ = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(dotted)]


class SourceMap:
    """Maps ``("items", 2, "text")`` (0-based item index) to a 1-based line number."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path_, int] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: Path_ = ()
        arrays: dict[tuple[str, ...], int] = {}
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header:
                names = _parts(header.group(2))
                table = self._table_path(names, header.group(1) == "[[", arrays)
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                path = (*table, *_parts(key.group(1)))
                self._lines.setdefault(path, number)
                rest = line[key.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote

    @staticmethod
    def _table_path(names: list[str], is_array: bool, arrays: dict[tuple[str, ...], int]) -> Path_:
        path: list[str | int] = []
        for depth, name in enumerate(names):
            path.append(name)
            prefix = tuple(names[: depth + 1])
            last = depth == len(names) - 1
            if last and is_array:
                arrays[prefix] = arrays.get(prefix, -1) + 1
                path.append(arrays[prefix])
            elif prefix in arrays:  # [items.sub] belongs to the latest [[items]]
                path.append(arrays[prefix])
        return tuple(path)

    def line(self, *path: str | int) -> int | None:
        """The line of ``path``, or of its closest enclosing key or table."""
        key: Path_ = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return None
