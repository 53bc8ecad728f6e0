"""A generated program: its files, and where each part of it came from in the configuration.

The sketch is an Arduino-style ``.pde`` with ``setup()`` and ``loop()``; per-node values live in
their own small ``.cpp`` so that nodes of one template share every other object file. Lines
``// [config: sockets.A.probe]`` mark which configuration item the code below them comes from,
so a compiler error can be traced back to the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["CONFIG_MARK", "ProgramSource"]

CONFIG_MARK: Final = "// [config: {path}]"
_MARK: Final = re.compile(r"//\s*\[config:\s*([^\]]+)\]")


@dataclass(frozen=True)
class ProgramSource:
    """The files of one program, by name; ``sketch`` names the main ``.pde`` file."""

    sketch: str
    files: dict[str, str]
    config_hash: str

    @property
    def sketch_name(self) -> str:
        """The sketch's name without ``.pde`` (the folder name the Waspmote IDE wants)."""
        return self.sketch.removesuffix(".pde")

    def translation_units(self) -> dict[str, str]:
        """What is compiled: the sketch as C++ (the IDE's prelude added) and every ``.cpp``."""
        units: dict[str, str] = {}
        for name, text in self.files.items():
            if name == self.sketch:
                prelude = f'#include <Waspmote.h>\n#line 1 "{name}"\n'
                units[f"{self.sketch_name}.cpp"] = prelude + text
            elif name.endswith((".cpp", ".c")):
                units[name] = text
        return units

    def config_path_at(self, name: str, line: int, *, since: int = 1) -> str:
        """The configuration item whose code holds ``line`` of file ``name`` (1-based), if any;
        a mark is looked for back to line ``since`` only (a function's first line)."""
        lines = self.files.get(name, "").splitlines()
        for index in range(min(line, len(lines)) - 1, max(since, 1) - 2, -1):
            match = _MARK.search(lines[index])
            if match:
                return match.group(1).strip()
        return ""

    def line_of(self, name: str, line: int) -> str:
        """The text of a line of one file (empty when out of range)."""
        lines = self.files.get(name, "").splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""
