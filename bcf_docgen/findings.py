"""Findings: what reading and checking a plan report back.

Every problem, from a YAML syntax error to a total that does not add up, becomes a
Finding that names the file and line it comes from, so the CLI can print it and tests
can assert it. The library never prints and never exits; it returns these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a plan file. Paths are relative to the plan folder, with forward slashes."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    location: Location
    hint: str = ""

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def format(self) -> str:
        """The one-line form `file:line:col: error: message (hint)` used in plain output."""
        text = f"{self.location}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


@dataclass
class Findings:
    """An ordered collection of findings with the counts the CLI and builds need."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        location: Location,
        hint: str = "",
    ) -> Finding:
        finding = Finding(severity, code, message, location, hint)
        self.items.append(finding)
        return finding

    def error(self, code: str, message: str, location: Location, hint: str = "") -> Finding:
        return self.add(Severity.ERROR, code, message, location, hint)

    def warning(self, code: str, message: str, location: Location, hint: str = "") -> Finding:
        return self.add(Severity.WARNING, code, message, location, hint)

    def extend(self, other: Findings | list[Finding]) -> None:
        self.items.extend(other.items if isinstance(other, Findings) else other)

    @property
    def errors(self) -> list[Finding]:
        """Distinct errors: a finding made twice (by two stages) is counted, like listed, once."""
        return [f for f in dict.fromkeys(self.items) if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in dict.fromkeys(self.items) if f.severity is Severity.WARNING]

    def sorted(self) -> list[Finding]:
        """Stable order: by file, then line and column, so reports diff cleanly."""
        unique = list(dict.fromkeys(self.items))
        return sorted(unique, key=lambda f: (f.location, f.severity.value, f.code, f.message))

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


__all__ = ["Finding", "Findings", "Location", "Severity"]
