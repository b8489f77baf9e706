"""Validation findings with a file, a line, a field and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    severity: Severity
    file: str
    line: int | None
    field: str  # e.g. "items[3].text" (items counted from 1, as a teacher would)
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f" {self.field}:" if self.field else ""
        return f"{where}: {self.severity.value}:{what} {self.message}"


class PackError(Exception):
    """A pack that cannot be used; ``issues`` says exactly why."""

    def __init__(self, issues: list[Issue] | str, file: str = "") -> None:
        if isinstance(issues, str):
            issues = [Issue(Severity.ERROR, file, None, "", issues)]
        self.issues = issues
        errors = [i for i in issues if i.is_error] or issues
        super().__init__("\n".join(str(i) for i in errors))


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]


def warnings(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if not i.is_error]
