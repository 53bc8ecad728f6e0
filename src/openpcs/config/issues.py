"""Problems found in a configuration: errors (the node cannot be built) and warnings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Issue", "Severity"]


class Severity(StrEnum):
    """How bad a finding is: an error stops the build, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: its severity, the field path it is about, a sentence, and the rule."""

    severity: Severity
    path: str
    message: str
    rule: str = ""
    line: int | None = None

    def describe(self, source: str = "") -> str:
        """``node.yaml line 12: radio.channel: message``; the parts not known are left out."""
        where = " ".join(
            part for part in (source, f"line {self.line}" if self.line else "") if part
        )
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {path}{self.message}" if where else f"{path}{self.message}"

    def to_dict(self) -> dict[str, object]:
        """The ``{path, message, rule, line}`` item of the check's JSON output."""
        item: dict[str, object] = {"path": self.path, "message": self.message}
        if self.rule:
            item["rule"] = self.rule
        if self.line is not None:
            item["line"] = self.line
        return item
