"""The stack check of a real build: the worst RAM of the linked program, and where it is spent.

:func:`check_stack` reads the linked ELF with ``avr-objdump`` (its code with relocations, and
its stabs), joins the ``.su`` files of every unit it was built from, and returns a
:class:`StackReport` (see :mod:`openpcs.program.stack_usage` for the rules). A program whose
worst case does not fit the node's RAM is refused by the builder; under
:data:`STACK_MARGIN` bytes to spare it builds with a warning.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from openpcs.program.source import ProgramSource
from openpcs.program.stack_graph import parse_disassembly
from openpcs.program.stack_usage import Chain, StackReport, analyse_stack
from openpcs.program.toolchain import RAM_LIMIT, Toolchain

__all__ = [
    "STACK_MARGIN",
    "StackReports",
    "chain_config_path",
    "check_stack",
    "stack_warnings",
]

#: RAM a program should have to spare at its worst moment
STACK_MARGIN: Final = 512
_CALLED_NAME: Final = re.compile(r"(?:^|::|\s)(~?\w+)\(")

Run = Callable[[Sequence[str | Path], str], str]


def check_stack(
    run: Run, toolchain: Toolchain, elf: Path, su_texts: list[str], static_bytes: int
) -> StackReport:
    """The stack report of ``elf``; ``run(command, what)`` runs a tool and returns its output."""
    disassembly = run([toolchain.objdump, "-dr", elf], "reading the program's code")
    tables = run([toolchain.objdump, "-r", "-j", ".data", elf], "reading the program's data")
    stabs = run([toolchain.objdump, "-G", elf], "reading the program's symbols")
    return analyse_stack(
        parse_disassembly(disassembly, tables),
        stabs,
        su_texts,
        static_bytes=static_bytes,
        limit=RAM_LIMIT,
    )


class StackReports:
    """The stack checks of one builder, by what decides them: the linked units that hold
    code. Nodes of one template differ only in ``node_values.cpp``, which holds data and no
    function, so a batch checks its program's stack once (the static RAM, which the node's
    values change, is each build's own)."""

    def __init__(self) -> None:
        self._reports: dict[str, StackReport] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(code_units: list[str]) -> str:
        """What a report depends on: the identity of every linked unit that holds code (an
        object's cache name, which its content decides, or an archive's seal). A unit's
        ``.su`` lines come from the compile that made it, so they add nothing to the key."""
        digest = hashlib.sha256()
        for unit in sorted(code_units):
            digest.update(b"\0" + unit.encode())
        return digest.hexdigest()

    def report(
        self, key: str, static_bytes: int, compute: Callable[[], StackReport]
    ) -> StackReport:
        """The report for ``key`` with this build's static bytes, computed once."""
        with self._lock:
            known = self._reports.get(key)
        if known is None:
            known = compute()
            with self._lock:
                self._reports[key] = known
        return dataclasses.replace(known, static_bytes=static_bytes)


def _short_name(function: str) -> str | None:
    """``getPM`` of ``int8_t WaspPM::getPM(uint32_t, uint32_t)``."""
    match = _CALLED_NAME.search(function.split("(", 1)[0] + "(")
    return match.group(1) if match else None


def _bodies(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Each function the sketch defines: the 0-based lines of its body (between its braces).
    The generated sketch defines functions at column 0 and indents what is inside them."""
    bodies: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines[:-1]):
        match = _CALLED_NAME.search(line) if line[:1].isalpha() else None
        if match is None or lines[number + 1] != "{":
            continue
        end = next((i for i in range(number + 2, len(lines)) if lines[i] == "}"), len(lines))
        bodies[match.group(1)] = (number + 2, end)
    return bodies


def chain_config_path(chain: Chain, program: ProgramSource) -> str:
    """The configuration item whose code starts the deepest part of ``chain``: the call the
    deepest sketch function on it makes to the next function (``sockets.D.probe`` when a
    probe's read goes deepest); when that call is not written in the sketch (a helper the
    compiler calls), the call to that sketch function one level up; "" when the sketch is
    not on the chain."""
    lines = program.files.get(program.sketch, "").splitlines()
    bodies = _bodies(lines)
    names = [_short_name(function) for function in chain.functions]
    on_chain = [i for i, name in enumerate(names) if name in bodies]
    for index in reversed(on_chain):
        wanted = names[index + 1] if index + 1 < len(names) else None
        if wanted is None:
            continue
        first, end = bodies[names[index] or ""]
        call = re.compile(rf"(?<![\w]){re.escape(wanted)}\(")
        for number in range(first, end):
            if call.search(lines[number]):
                # the item whose code, inside this function, holds the call
                path = program.config_path_at(program.sketch, number + 1, since=first + 1)
                if path:
                    return path
    return ""


def stack_warnings(report: StackReport) -> tuple[str, ...]:
    """What is worth knowing although the program fits."""
    warnings = []
    if report.unbounded:
        warnings.append(
            f"the stack check found no bound ({report.unbounded}); at least "
            f"{report.worst_bytes:,} B of RAM at worst"
        )
    if 0 <= report.margin < STACK_MARGIN:
        warnings.append(
            f"only {report.margin:,} B of RAM to spare at the worst moment (under "
            f"{STACK_MARGIN:,}): {report.main.describe()}"
        )
    return tuple(warnings)
