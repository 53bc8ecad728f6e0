"""The CSV of a batch: one node per row, a serial each and the values that differ per node.

The header names the columns. ``serial`` is required; ``name`` (or ``node_name``) sets the node
name; every other column is a configuration path (``radio.mac``, ``radio.dev_eui``,
``encryption.key``, ``sockets.A.calibration.point_7`` …) checked against the configuration's
schema on line 1. A cell replaces the template's value for its node; an empty cell keeps it.
Cells are text where the field takes text; elsewhere a JSON number or ``true``/``false`` is that
value, and anything else stays text for the field's own check to judge (``015`` is not 13).
"""

from __future__ import annotations

import copy
import difflib
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, get_args, get_origin

from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import model_at, takes_text
from openpcs.program.errors import BatchError
from openpcs.text.csv_table import CsvProblem, read_csv_table

__all__ = ["NodeRow", "check_header", "covered_by", "node_document", "read_nodes_csv"]

SERIAL: Final = "serial"
_NAMES: Final = ("name", "node_name")
_MAX_CELL: Final = 4096


@dataclass(frozen=True)
class NodeRow:
    """One node of the CSV: its line, serial (upper case), name and the values it sets."""

    line: int
    serial: str
    name: str | None
    values: dict[str, str]


def _is_mapping(annotation: Any) -> bool:
    """Whether a field's type is a ``dict`` (maybe optional): its keys are free."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _is_mapping(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_mapping(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin is dict


def _check_column(column: str) -> None:
    parts = column.split(".")
    if not all(parts):
        raise BatchError(f"column '{column}' is not a configuration path")
    for depth in range(1, len(parts) + 1):
        owners = model_at(NodeConfig, tuple(parts[: depth - 1]))
        if owners:
            known = sorted({name for model in owners for name in model.model_fields})
            if parts[depth - 1] not in known:
                close = difflib.get_close_matches(parts[depth - 1], known, n=1)
                hint = (
                    f"; did you mean '{'.'.join([*parts[: depth - 1], close[0]])}'?"
                    if close
                    else ""
                )
                raise BatchError(f"column '{column}' is not a configuration path{hint}")
            continue
        # no model holds this part: only a mapping's keys (sockets, calibration) are free
        holders = model_at(NodeConfig, tuple(parts[: depth - 2]))
        fields = [m.model_fields.get(parts[depth - 2]) for m in holders]
        if not any(f is not None and _is_mapping(f.annotation) for f in fields):
            raise BatchError(
                f"column '{column}' goes below '{'.'.join(parts[: depth - 1])}', which is a "
                "single value or a list (lists are set in the template)"
            )


def read_nodes_csv(path: Path, *, limit: int) -> list[NodeRow]:
    """The nodes of a CSV; :class:`BatchError` naming the line for a file that cannot be used."""
    try:
        text = path.read_bytes().decode("utf-8-sig")  # line ends as written: read_csv_table's
        table = read_csv_table(text, max_cell=_MAX_CELL)
    except FileNotFoundError:
        raise BatchError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except CsvProblem as exc:
        where = f"{path} line {exc.line}" if exc.line else str(path)
        raise BatchError(f"{where}: {exc.reason}") from None
    header = table.header
    try:
        check_header(header)
    except BatchError as exc:
        raise BatchError(f"{path} {exc}") from None
    nodes = []
    for row in table.rows:
        if row.problem:
            raise BatchError(f"{path} line {row.line}: {row.problem}")
        cell = row.cells
        name = next((cell[n] for n in _NAMES if cell.get(n)), None)
        values = {k: v for k, v in cell.items() if k != SERIAL and k not in _NAMES and v}
        nodes.append(NodeRow(row.line, cell[SERIAL].upper(), name, values))
    if not nodes:
        raise BatchError(f"{path}: no nodes after the header")
    if len(nodes) > limit:
        raise BatchError(f"{path}: {len(nodes)} nodes; a batch holds at most {limit}")
    return nodes


def check_header(header: list[str]) -> None:
    """:class:`BatchError` (its message starting ``line 1:``) for a header a batch cannot
    use: no serial column, a column twice, both name columns, a column that is no
    configuration path."""
    if SERIAL not in header:
        raise BatchError(f"line 1: the header needs a '{SERIAL}' column")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise BatchError(f"line 1: column '{duplicated[0]}' appears twice")
    if all(name in header for name in _NAMES):
        raise BatchError("line 1: 'name' and 'node_name' both set the name; keep one")
    for column in header:
        if column != SERIAL and column not in _NAMES:
            try:
                _check_column(column)
            except BatchError as exc:
                raise BatchError(f"line 1: {exc}") from None


def covered_by(path: str, columns: set[str]) -> bool:
    """Whether a configuration path is set by, or inside, one of the CSV's columns."""
    return any(
        path == column or path.startswith(column + ".") or column.startswith(path + ".")
        for column in columns
    )


def _cell_value(cell: str, parts: list[str]) -> Any:
    if takes_text(NodeConfig, tuple(parts)):
        return cell
    try:
        value = json.loads(cell)
    except ValueError:
        return cell
    return value if isinstance(value, bool | int | float) else cell


def node_document(raw: dict[str, Any], row: NodeRow, *, with_identity: bool = True) -> Any:
    """The template's values with the row's applied (serial and name too, unless told not)."""
    document = copy.deepcopy(raw)
    if with_identity:
        document[SERIAL] = row.serial
        if row.name is not None:
            document["node_name"] = row.name
    for column, cell in row.values.items():
        parts = column.split(".")
        target = document
        for part in parts[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = {} if nested is None else {"probe": nested}  # "A: bme280" shorthand
                target[part] = nested
            target = nested
        target[parts[-1]] = _cell_value(cell, parts)
    return document
