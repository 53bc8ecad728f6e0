"""Which ``.su`` line is which function of a linked program.

GCC's ``-fstack-usage`` writes one line per function, ``file:line:column:name<TAB>bytes<TAB>
qualifiers``, beside each object; the linked ELF's stabs (``avr-objdump -G``; Debian's avr-gcc
writes stabs with ``-g``) name each function's symbol with its unit, file and line. The two are
joined within each compilation unit by file and line (the build marks each unit's ``.su``
lines with ``#unit <source path>``, the path the stabs record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["UNIT_MARK", "SuLine", "su_by_symbol"]

_SU_LINE: Final = re.compile(r"^(.+?):(\d+):(\d+):(.+)\t(\d+)\t(\S+)\s*$")
_STAB: Final = re.compile(r"^\d+\s+(SO|SOL|FUN)\s+\d+\s+(\d+)\s+([0-9a-f]+)\s+\d+\s*(.*)$")


@dataclass(frozen=True)
class SuLine:
    """One line of a ``.su`` file."""

    file: str
    line: int
    name: str
    bytes: int
    qualifiers: str


#: marks where one compilation unit's ``.su`` lines start, with the source path compiled
UNIT_MARK: Final = "#unit "


def _su_units(texts: list[str]) -> dict[str, list[SuLine]]:
    """Source path → its ``.su`` lines in order (texts hold ``#unit <path>`` marks)."""
    units: dict[str, list[SuLine]] = {}
    current: list[SuLine] = units.setdefault("", [])
    for text in texts:
        for line in text.splitlines():
            if line.startswith(UNIT_MARK):
                current = units.setdefault(line[len(UNIT_MARK) :].strip(), [])
                continue
            match = _SU_LINE.match(line)
            if match is not None:
                current.append(
                    SuLine(
                        Path(match.group(1)).name,
                        int(match.group(2)),
                        match.group(4).strip(),
                        int(match.group(5)),
                        match.group(6),
                    )
                )
    return units


_StabFunction = tuple[str, int, str, int]  # symbol, address, file name, line


def _stab_units(stabs: str) -> dict[str, list[_StabFunction]]:
    """Source path → (symbol, address, file name, line) of each function it defines, in
    order."""
    units: dict[str, list[_StabFunction]] = {}
    functions: list[_StabFunction] = units.setdefault("", [])
    current = ""
    for line in stabs.splitlines():
        match = _STAB.match(line.strip())
        if match is None:
            continue
        kind, desc, value, text = match.groups()
        if kind == "SO" and text and not text.endswith("/"):
            functions = units.setdefault(text, [])
        if kind in ("SO", "SOL") and text and not text.endswith("/"):
            current = Path(text).name
        elif kind == "FUN" and text:  # a named FUN starts a function; an empty one ends it
            functions.append((text.split(":", 1)[0], int(value, 16), current, int(desc)))
    return units


def su_by_symbol(stabs: str, texts: list[str]) -> dict[str | int, SuLine]:
    """Each function's ``.su`` line, by its symbol and by its address (a constructor's two
    symbols share one address, and a disassembly shows one of them), joined within its unit
    by source file and line.

    The stabs name a function's file by the last ``SO``/``SOL`` before it, which is stale when
    the function before it ended in code inlined from a header: then the function is found by
    its line among the unit's ``.su`` lines of any one file. The functions of one place (a
    function and the parts GCC split off it, ``.part.N``) come in the same order in the stabs
    and the ``.su`` file; where the counts differ the largest frame stands for all.
    """
    su_units = _su_units(texts)
    found: dict[str | int, SuLine] = {}
    for unit, functions in _stab_units(stabs).items():
        lines = su_units.get(unit) or next(
            (v for k, v in su_units.items() if k and Path(k).name == Path(unit).name),
            su_units.get("", []),  # lines with no unit mark: joined by file and line alone
        )
        by_place: dict[tuple[str, int], list[SuLine]] = {}
        files_by_line: dict[int, set[str]] = {}
        for entry in lines:
            by_place.setdefault((entry.file, entry.line), []).append(entry)
            files_by_line.setdefault(entry.line, set()).add(entry.file)
        placed: list[tuple[str, int, tuple[str, int]]] = []
        for symbol, address, named, line in functions:
            file = named
            if (named, line) not in by_place and len(files_by_line.get(line, ())) == 1:
                file = next(iter(files_by_line[line]))  # a stale file name: the line decides
            placed.append((symbol, address, (file, line)))
        counts: dict[tuple[str, int], int] = {}
        for _, _, place in placed:
            counts[place] = counts.get(place, 0) + 1
        seen: dict[tuple[str, int], int] = {}
        for symbol, address, place in placed:
            group = by_place.get(place, [])
            if not group:
                continue
            index = seen.get(place, 0)
            seen[place] = index + 1
            same = len(group) == counts[place]
            entry = group[index] if same else max(group, key=lambda e: e.bytes)
            found.setdefault(symbol, entry)
            if address:  # a function of an unlinked unit has no address (0): by name only
                found.setdefault(address, entry)
    return found
