"""Batch programming (guide §1.2, Elite licence): one template, up to 100 nodes from a CSV.

The CSV has a header. ``serial`` is required; ``name`` sets the node name; every other column
is a configuration path (``radio.mac``, ``radio.dev_eui``, ``encryption.key``,
``sockets.A.calibration.point_7`` …) whose cell replaces the template's value for that node
(an empty cell keeps it). Each node is checked, generated, built when a builder is given and
bundled on its own: one failing node never stops the others. Builds run in parallel, and the
compiled core and libraries are shared through the build cache.
"""

from __future__ import annotations

import copy
import csv
import difflib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ValidationError

from openpcs.catalog.devices import licences
from openpcs.config.check import check_config
from openpcs.config.licence import check_batch
from openpcs.config.loader import load_config
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import model_at, takes_text
from openpcs.program.errors import BatchError, BuildError, ProgramError
from openpcs.program.pipeline import BuilderChoice, program_node

__all__ = ["REPORT_NAME", "BatchReport", "NodeRow", "RowOutcome", "read_nodes_csv", "run_batch"]

REPORT_NAME: Final = "batch-report"
_MAX_CELL: Final = 4096
_SERIAL: Final = "serial"
_NAME: Final = "name"


@dataclass(frozen=True)
class NodeRow:
    """One node of the CSV: its line, serial, name and the configuration values it sets."""

    line: int
    serial: str
    name: str | None
    values: dict[str, str]


@dataclass
class RowOutcome:
    """What became of one node."""

    line: int
    serial: str
    name: str
    ok: bool
    bundle: str = ""
    has_hex: bool = False
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchReport:
    """Every node's outcome, in CSV order, and where the report files are."""

    rows: list[RowOutcome]
    report_json: Path
    report_csv: Path

    @property
    def failed(self) -> list[RowOutcome]:
        """The nodes that have no bundle."""
        return [row for row in self.rows if not row.ok]


def _check_column(column: str) -> None:
    parts = column.split(".")
    for depth in range(1, len(parts) + 1):
        parents = model_at(NodeConfig, tuple(parts[: depth - 1]))
        if not parents:
            return  # below a free-form mapping (calibration values): any key
        known = sorted({name for model in parents for name in model.model_fields})
        if parts[depth - 1] not in known:
            close = difflib.get_close_matches(parts[depth - 1], known, n=1)
            hint = f"; did you mean '{'.'.join([*parts[: depth - 1], close[0]])}'?" if close else ""
            raise BatchError(f"column '{column}' is not a configuration path{hint}")


def read_nodes_csv(path: Path, *, limit: int) -> list[NodeRow]:
    """The nodes of a CSV; :class:`BatchError` naming the line for a file that cannot be used."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BatchError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    reader = csv.reader(text.splitlines())
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise BatchError(f"{path} line {reader.line_num}: not CSV ({exc})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise BatchError(f"{path}: empty; the first line names the columns (serial, name, …)")
    header = [cell.strip() for cell in rows[0]]
    if _SERIAL not in header:
        raise BatchError(f"{path} line 1: the header needs a '{_SERIAL}' column")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise BatchError(f"{path} line 1: column '{duplicated[0]}' appears twice")
    for column in header:
        if column not in (_SERIAL, _NAME):
            try:
                _check_column(column)
            except BatchError as exc:
                raise BatchError(f"{path} line 1: {exc}") from None
    nodes = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise BatchError(f"{path} line {line}: {len(cells)} cells for {len(header)} columns")
        if any(len(cell) > _MAX_CELL for cell in cells):
            raise BatchError(f"{path} line {line}: a cell is longer than {_MAX_CELL} characters")
        cell = dict(zip(header, (c.strip() for c in cells), strict=True))
        values = {k: v for k, v in cell.items() if k not in (_SERIAL, _NAME) and v}
        nodes.append(NodeRow(line, cell[_SERIAL], cell.get(_NAME) or None, values))
    if not nodes:
        raise BatchError(f"{path}: no nodes after the header")
    if len(nodes) > limit:
        raise BatchError(f"{path}: {len(nodes)} nodes; a batch holds at most {limit}")
    return nodes


def _leaf_takes_text(template: NodeConfig, parts: list[str]) -> bool:
    """Whether the value at ``parts`` is text, judged on the template's own radio/destination."""
    target: Any = template
    for part in parts[:-1]:
        target = (
            getattr(target, part, None)
            if isinstance(target, BaseModel)
            else (target.get(part) if isinstance(target, dict) else None)
        )
    if isinstance(target, BaseModel):
        return takes_text(type(target), (parts[-1],))
    return takes_text(NodeConfig, tuple(parts))


def _node_document(raw: dict[str, Any], template: NodeConfig, row: NodeRow) -> dict[str, Any]:
    document = copy.deepcopy(raw)
    document[_SERIAL] = row.serial
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
        target[parts[-1]] = cell if _leaf_takes_text(template, parts) else yaml.safe_load(cell)
    return document


@dataclass(frozen=True)
class _Batch:
    """What every node of one batch shares."""

    raw: dict[str, Any]
    template: NodeConfig
    out_dir: Path
    choice: BuilderChoice
    first_line: dict[str, int]

    def run(self, row: NodeRow) -> RowOutcome:
        """Check, generate, build and bundle one node; every failure becomes its message."""
        outcome = RowOutcome(row.line, row.serial, row.name or self.template.node_name, ok=False)
        if self.first_line[row.serial] != row.line:
            outcome.message = (
                f"serial {row.serial} is already on line {self.first_line[row.serial]}"
            )
            return outcome
        try:
            config = NodeConfig.model_validate(_node_document(self.raw, self.template, row))
            result = check_config(config, source=f"line {row.line}")
            if not result.valid:
                first = result.errors[0]
                more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
                outcome.message = f"{first.path}: {first.message}{more}"
                return outcome
            made = program_node(result, self.out_dir, self.choice)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            outcome.message = f"{where}: {error['msg']}"
            return outcome
        except BuildError as exc:
            outcome.message = str(exc).splitlines()[0]
            return outcome
        except (ProgramError, OSError, yaml.YAMLError) as exc:
            outcome.message = str(exc)
            return outcome
        outcome.ok = True
        outcome.bundle = made.bundle.path.name
        outcome.has_hex = made.bundle.has_hex
        if made.build is not None:
            outcome.flash_bytes = made.build.flash_bytes
            outcome.ram_bytes = made.build.ram_bytes
            outcome.warnings = list(made.build.warnings)
        return outcome


def _write_reports(rows: list[RowOutcome], out_dir: Path, reason: str) -> tuple[Path, Path]:
    json_path = out_dir / f"{REPORT_NAME}.json"
    csv_path = out_dir / f"{REPORT_NAME}.csv"
    document = {
        "nodes": len(rows),
        "bundled": sum(row.ok for row in rows),
        "failed": sum(not row.ok for row in rows),
        "binaries": "built" if not reason else f"source only: {reason}",
        "rows": [asdict(row) for row in rows],
    }
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    columns = [name for name in RowOutcome.__dataclass_fields__ if name != "warnings"]
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "warnings"])
        for row in rows:
            values = asdict(row)
            writer.writerow([*(values[c] for c in columns), "; ".join(row.warnings)])
    return json_path, csv_path


def run_batch(
    template_path: Path,
    nodes_path: Path,
    out_dir: Path,
    choice: BuilderChoice,
    *,
    jobs: int = 2,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[RowOutcome], None] | None = None,
) -> BatchReport:
    """Program every node of the CSV; :class:`BatchError` when the batch cannot start at all."""
    loaded = load_config(template_path)
    if loaded.value is None:
        first = loaded.issues[0]
        raise BatchError(f"{template_path}: {first.describe()}")
    template = loaded.value
    if template.serial is not None:
        raise BatchError(
            f"{template_path}: a batch template has no serial; each node's serial is in the CSV"
        )
    limit = max(spec.nodes for spec in licences().values())
    nodes = read_nodes_csv(nodes_path, limit=limit)
    refused = check_batch(template.licence, len(nodes))
    if refused is not None:
        raise BatchError(f"{template_path}: licence: {refused.message}")
    first_line: dict[str, int] = {}
    for row in nodes:
        first_line.setdefault(row.serial, row.line)
    out_dir.mkdir(parents=True, exist_ok=True)
    if on_start is not None:
        on_start(len(nodes))
    batch = _Batch(loaded.raw, template, out_dir, choice, first_line)

    def work(row: NodeRow) -> RowOutcome:
        try:
            outcome = batch.run(row)
        except Exception as exc:
            outcome = RowOutcome(
                row.line, row.serial, row.name or "", ok=False, message=f"internal error: {exc!r}"
            )
        if on_done is not None:
            on_done(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(work, nodes))
    json_path, csv_path = _write_reports(rows, out_dir, choice.reason)
    return BatchReport(rows, json_path, csv_path)
