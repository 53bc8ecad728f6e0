"""Errors of program generation, building, bundling and batch programming."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ApiTreeError",
    "BatchError",
    "BuildError",
    "CompilerMessage",
    "GenerationError",
    "ProgramError",
    "SizeLimitError",
    "ToolchainMissing",
]


class ProgramError(Exception):
    """Base class: the message is one or more sentences a user can act on."""


class GenerationError(ProgramError):
    """The configuration cannot be turned into a program (it has errors, or is a template)."""


class ToolchainMissing(ProgramError):
    """The AVR toolchain (avr-gcc, avr-g++, avr-ar, avr-objcopy, avr-size) is not installed."""


class ApiTreeError(ProgramError):
    """The Waspmote API directory is missing or does not look like one."""


@dataclass(frozen=True, slots=True)
class CompilerMessage:
    """One compiler diagnostic, placed in the generated source and, if known, the config."""

    file: str
    line: int
    column: int
    severity: str
    text: str
    source_line: str = ""
    config_path: str = ""

    def describe(self) -> str:
        """``sketch.pde:12:5: error: … (from sockets.A.probe)`` and the offending line."""
        origin = f" (from {self.config_path})" if self.config_path else ""
        head = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.text}{origin}"
        return f"{head}\n    {self.source_line.strip()}" if self.source_line.strip() else head


class BuildError(ProgramError):
    """A compile or link step failed; ``messages`` are the compiler's errors, ``log`` its output."""

    def __init__(
        self, message: str, *, messages: tuple[CompilerMessage, ...] = (), log: str = ""
    ) -> None:
        super().__init__(message)
        self.messages = messages
        self.log = log


class SizeLimitError(BuildError):
    """The linked program is larger than the flash or RAM of the node."""


class BatchError(ProgramError):
    """A batch cannot start: a bad CSV, too many nodes, or a licence without batch programming."""
