"""CSV text people upload (a batch's nodes, devices to register) read into named rows.

Spreadsheets write CSV in several ways: line ends of ``\\r\\n``, ``\\n`` or a lone ``\\r``
(older spreadsheets on a Mac), a byte-order mark, quoted cells holding line ends. All of them
read the same here. What cannot be read (an unterminated quote, a cell past the limit) is a
:class:`CsvProblem` naming the line; a row with more or fewer cells than the header has
columns keeps its place and says so (``problem``), so a caller that takes each line alone can
refuse that line and keep the others, or take a short line's missing cells as empty.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

__all__ = ["CsvProblem", "CsvRow", "CsvTable", "read_csv_table"]


class CsvProblem(ValueError):
    """The text is not CSV that can be read; ``line`` (1-based) where known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class CsvRow:
    """One line after the header: its number, its cells by column (stripped; a column the
    line does not reach is missing) and how many cells it has of how many columns."""

    line: int
    cells: dict[str, str]
    count: int
    columns: int

    @property
    def extra_cells(self) -> bool:
        """More cells than the header has columns: cells that belong to no column (where a
        short line's missing cells may be taken as empty)."""
        return self.count > self.columns

    @property
    def problem(self) -> str | None:
        """What is wrong with the line's shape: more or fewer cells than columns."""
        if self.count == self.columns:
            return None
        return f"{self.count} cells for {self.columns} columns"


@dataclass(frozen=True)
class CsvTable:
    """The header's column names (stripped) and the rows that are not blank."""

    header: list[str]
    rows: list[CsvRow] = field(default_factory=list)


def read_csv_table(text: str, *, max_cell: int = 4096) -> CsvTable:
    """Read ``text``; :class:`CsvProblem` when it is empty, is not CSV, or a cell is longer
    than ``max_cell`` characters (a name, a key or an address is never that long)."""
    stream = io.StringIO(text.removeprefix("\ufeff"), newline="")
    reader = csv.reader(stream, strict=True)  # a quote left open is an error, not a cell
    records: list[tuple[int, list[str]]] = []
    starts = 1  # the line the record being read starts on: where a quote left open is
    try:
        for cells in reader:
            records.append((reader.line_num, cells))
            starts = reader.line_num + 1
    except csv.Error as exc:
        raise CsvProblem(f"not CSV ({exc})", starts) from None
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise CsvProblem("empty; the first line names the columns")
    header = [cell.strip() for cell in records[0][1]]
    rows = []
    for line, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if any(len(cell) > max_cell for cell in cells):
            raise CsvProblem(f"a cell is longer than {max_cell} characters", line)
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()  # a trailing separator spreadsheets leave is no cell
        stripped = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        rows.append(CsvRow(line, stripped, len(cells), len(header)))
    return CsvTable(header, rows)
