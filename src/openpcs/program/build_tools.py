"""Running the AVR tools for a build and reading what they print.

:func:`run_tool` runs one command with a time limit (600 s) and returns its output; a tool that
cannot start, times out or fails raises :class:`BuildError`, a compiler's errors placed in the
generated line and the configuration item that produced it (:func:`parse_diagnostics`) when the
program is given. :func:`compile_source` compiles one C, assembler or C++ source with the
Waspmote flags; :func:`link` links and turns a section the linker cannot place into a
:class:`SizeLimitError`; :func:`program_size` reads flash and RAM from ``avr-size -A``. Which
steps a build takes, and what it keeps in the cache, is :mod:`openpcs.program.build`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from openpcs.program.errors import BuildError, CompilerMessage, SizeLimitError
from openpcs.program.source import ProgramSource
from openpcs.program.toolchain import C_FLAGS, CXX_FLAGS, FLASH_LIMIT, RAM_LIMIT, Toolchain

__all__ = ["compile_source", "link", "parse_diagnostics", "program_size", "run_tool"]

_TIMEOUT_S: Final = 600
_DIAGNOSTIC: Final = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<column>\d+):)?\s*(?P<severity>fatal error|error|"
    r"warning|note):\s*(?P<text>.*)$",
    re.MULTILINE,
)
_OVERFLOW: Final = re.compile(r"(?:not within region|region) `(text|data)'")
_FLASH_SECTIONS: Final = (".text", ".data", ".bootloader")
_RAM_SECTIONS: Final = (".data", ".bss", ".noinit")


def parse_diagnostics(output: str, program: ProgramSource | None = None) -> list[CompilerMessage]:
    """The errors in compiler output; placed in the program's source when it is given."""
    messages = []
    for match in _DIAGNOSTIC.finditer(output):
        severity = match.group("severity")
        if severity not in ("error", "fatal error"):
            continue
        file = match.group("file").strip()
        line = int(match.group("line"))
        name = Path(file).name
        source_line = config_path = ""
        if program is not None and name in program.files:
            source_line = program.line_of(name, line)
            config_path = program.config_path_at(name, line)
        messages.append(
            CompilerMessage(
                file=name,
                line=line,
                column=int(match.group("column") or 0),
                severity=severity,
                text=match.group("text").strip(),
                source_line=source_line,
                config_path=config_path,
            )
        )
    return messages


def program_size(sections: str) -> tuple[int, int]:
    """(flash, RAM) bytes from ``avr-size -A`` output."""
    sizes: dict[str, int] = {}
    for line in sections.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    flash = sum(sizes.get(name, 0) for name in _FLASH_SECTIONS)
    ram = sum(sizes.get(name, 0) for name in _RAM_SECTIONS)
    return flash, ram


def run_tool(command: Sequence[str | Path], what: str, program: ProgramSource | None) -> str:
    """Run one tool and return what it printed; a failure is a :class:`BuildError` with the
    compiler's errors placed in ``program`` when it is given."""
    try:
        result = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",  # compilers quote source lines, some in other encodings
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: timed out after {_TIMEOUT_S} s") from None
    except OSError as exc:
        raise BuildError(f"{what}: cannot run {command[0]} ({exc})") from None
    output = result.stdout + result.stderr
    if result.returncode != 0:
        messages = tuple(parse_diagnostics(output, program))
        detail = messages[0].describe() if messages else output.strip()[-2000:]
        raise BuildError(f"{what} failed: {detail}", messages=messages, log=output)
    return output


def compile_source(
    toolchain: Toolchain,
    source: Path,
    target: Path,
    include_dirs: Iterable[Path],
    program: ProgramSource | None = None,
) -> None:
    """Compile one C, assembler or C++ source into the object ``target``."""
    includes = [f"-I{folder}" for folder in include_dirs]
    command: list[str | Path]
    if source.suffix == ".c":
        command = [toolchain.gcc, *C_FLAGS, *includes, source, "-o", target]
    elif source.suffix == ".S":
        flags = [f for f in C_FLAGS if not f.startswith("-std")]
        command = [toolchain.gcc, "-x", "assembler-with-cpp", *flags, *includes]
        command += [source, "-o", target]
    else:
        command = [toolchain.gxx, *CXX_FLAGS, *includes, source, "-o", target]
    run_tool(command, f"compiling {source.name}", program)


def link(command: Sequence[str | Path], program: ProgramSource) -> None:
    """Link; a program the linker cannot place in flash or RAM is a size error."""
    try:
        run_tool(command, "linking", program)
    except BuildError as exc:
        overflow = _OVERFLOW.search(exc.log)
        if overflow is None:
            raise
        memory = "RAM" if overflow.group(1) == "data" else "flash"
        limit = RAM_LIMIT if memory == "RAM" else FLASH_LIMIT
        raise SizeLimitError(
            f"the program does not fit the node's {memory} ({limit:,} bytes); remove "
            "options (GPS, industrial protocol, HTTPS) or probes (guide §2.16.2)",
            log=exc.log,
        ) from None
