"""The rows of a batch started in the web application: a node per picked device or CSV line,
with the cells the batch's program needs (the CSV's, or what a device's saved configuration
adds to the template), written back as the CSV the batch runs on."""

from __future__ import annotations

import csv
import io
from typing import Any, Final

from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import model_at
from openpcs.program.errors import BatchError
from openpcs.program.nodes_csv import check_header
from openpcs.text.csv_table import CsvProblem, read_csv_table
from openpcs.web.errors import Refused

__all__ = ["csv_text_of", "fills_from_saved", "rows_from_csv"]

_MAX_CSV: Final = 1024 * 1024


def _leaves(value: Any, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Dotted path → scalar for every leaf of a document reached through mappings only."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_leaves(item, (*path, str(key))))
    elif value is not None and not isinstance(value, list) and path:
        found[".".join(path)] = value
    return found


def fills_from_saved(template: dict[str, Any], saved: dict[str, Any] | None) -> dict[str, str]:
    """What a device's saved configuration adds to the template: the values the template
    leaves out, in sections of the same kind (the same radio type)."""
    if not saved:
        return {}
    have = _leaves(template)
    cells: dict[str, str] = {}
    for path, value in _leaves(saved).items():
        parts = path.split(".")
        if path in have or parts[0] in ("serial", "node_name", "licence"):
            continue
        section = template.get(parts[0])
        if isinstance(section, dict) and isinstance(saved.get(parts[0]), dict):
            kind = section.get("type", section.get("protocol"))
            saved_kind = saved[parts[0]].get("type", saved[parts[0]].get("protocol"))
            if kind != saved_kind:
                continue
        elif section is not None or not model_at(NodeConfig, tuple(parts[:1])):
            continue
        cells[path] = "true" if value is True else "false" if value is False else str(value)
    return cells


def csv_text_of(rows: list[dict[str, str]]) -> str:
    """The rows as the CSV a batch runs on: serial and name first, then every column any
    row has."""
    columns: list[str] = ["serial", "name"]
    for row in rows:
        columns.extend(column for column in row if column not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def rows_from_csv(text: str) -> list[dict[str, str]]:
    """The CSV's nodes, each serial once (upper case), the name under ``name``; a short
    line's missing cells are empty (spreadsheets leave trailing empty cells out).
    :class:`Refused` naming the line for a header a batch cannot use, more cells than
    columns, no serial or a serial twice."""
    if len(text) > _MAX_CSV:
        raise Refused("a batch CSV is at most 1 MiB", "csv")
    try:
        table = read_csv_table(text)
        check_header(table.header)
    except (CsvProblem, BatchError) as exc:
        raise Refused(str(exc), "csv") from None
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for row in table.rows:
        serial = row.cells.get("serial", "").upper()
        if row.extra_cells or not serial:
            raise Refused(f"line {row.line}: {row.problem or 'no serial'}", "csv")
        if serial in lines:
            raise Refused(f"line {row.line}: {serial} is already on line {lines[serial]}", "csv")
        lines[serial] = row.line
        cells = {("name" if k == "node_name" else k): v for k, v in row.cells.items()}
        rows[serial] = cells | {"serial": serial}
    if not rows:
        raise Refused("the CSV has no nodes", "csv")
    return list(rows.values())
