"""Batch programming (guide §1.2, Elite licence): one template, up to 100 nodes from a CSV.

The CSV is described in :mod:`openpcs.program.nodes_csv`. Before any node, the template itself
is checked: it must have no serial, no secret written inline (``!secret``/``!env``, or a CSV
column), and no error that no CSV column could fix. Then each node is checked, generated,
built when a builder is given and bundled on its own: one failing node never stops the others.
Builds run in parallel and share the compiled core and libraries through the build cache.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from openpcs.catalog.devices import licences
from openpcs.config.check import check_data
from openpcs.config.licence import check_batch
from openpcs.config.loader import LoadedConfig, clean_loc, format_path, load_config
from openpcs.config.model import NodeConfig
from openpcs.config.rules import RuleContext, run_rules
from openpcs.program.errors import BatchError, BuildError, ProgramError
from openpcs.program.nodes_csv import NodeRow, covered_by, node_document, read_nodes_csv
from openpcs.program.pipeline import BuilderChoice, program_node

__all__ = ["REPORT_NAME", "BatchReport", "NodeRow", "RowOutcome", "read_nodes_csv", "run_batch"]

REPORT_NAME: Final = "batch-report"
_TEMPLATE_SECRETS: Final = "template-secrets"


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


@dataclass(frozen=True)
class _Batch:
    """What every node of one batch shares."""

    raw: dict[str, Any]
    default_name: str
    out_dir: Path
    choice: BuilderChoice
    first_line: dict[str, int]

    def run(self, row: NodeRow) -> RowOutcome:
        """Check, generate, build and bundle one node; every failure becomes its message."""
        outcome = RowOutcome(row.line, row.serial, row.name or self.default_name, ok=False)
        earlier = self.first_line[row.serial]
        if earlier != row.line:
            outcome.message = f"serial {row.serial} is already on line {earlier}"
            return outcome
        try:
            result = check_data(node_document(self.raw, row), source=f"line {row.line}")
            if not result.valid:
                first = result.errors[0]
                more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
                outcome.message = f"{first.path}: {first.message}{more}"
                return outcome
            made = program_node(result, self.out_dir, self.choice)
        except BuildError as exc:
            outcome.message = str(exc).splitlines()[0]
            return outcome
        except (ProgramError, OSError) as exc:
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


def _check_template(path: Path, loaded: LoadedConfig, nodes: list[NodeRow]) -> None:
    """Refuse a template the CSV cannot make whole (see the module docstring)."""
    columns = set(nodes[0].values)
    blocking = [issue for issue in loaded.issues if not covered_by(issue.path, columns)]
    if blocking:
        raise BatchError(f"{path}: {blocking[0].describe()}")
    if loaded.raw.get("serial") is not None:
        raise BatchError(f"{path}: a batch template has no serial; each node's is in the CSV")
    # a value the template could not give (an unset !env, say) comes from the first node
    missing = {
        column: cell
        for column, cell in nodes[0].values.items()
        if any(covered_by(issue.path, {column}) for issue in loaded.issues)
    }
    stand_in = NodeRow(nodes[0].line, nodes[0].serial, None, missing)
    try:
        view = NodeConfig.model_validate(node_document(loaded.raw, stand_in, with_identity=False))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = format_path(clean_loc(NodeConfig, tuple(error["loc"])))
        raise BatchError(f"{path}: {where}: {error['msg']}") from None
    context = RuleContext(view, loaded.located, template=True)
    for issue in run_rules(context):
        if issue.severity != "error":
            continue
        inline_secret = issue.rule == _TEMPLATE_SECRETS and issue.path not in columns
        if inline_secret or (
            issue.rule != _TEMPLATE_SECRETS and not covered_by(issue.path, columns)
        ):
            raise BatchError(f"{path}: {issue.describe()}")


def _cell(value: object) -> object:
    """A report cell as a spreadsheet reads it: yes/no, not Python's True/False."""
    return ("yes" if value else "no") if isinstance(value, bool) else value


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
            values = {k: _cell(v) for k, v in asdict(row).items()}
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
    limit = max(spec.nodes for spec in licences().values())
    nodes = read_nodes_csv(nodes_path, limit=limit)
    loaded = load_config(template_path)
    licence = loaded.raw.get("licence", "basic") if isinstance(loaded.raw, dict) else "basic"
    refused = check_batch(licence, len(nodes)) if licence in licences() else None
    if refused is not None:
        raise BatchError(f"{template_path}: licence: {refused.message}")
    _check_template(template_path, loaded, nodes)
    first_line: dict[str, int] = {}
    for row in nodes:
        first_line.setdefault(row.serial, row.line)
    out_dir.mkdir(parents=True, exist_ok=True)
    if on_start is not None:
        on_start(len(nodes))
    batch = _Batch(loaded.raw, loaded.raw.get("node_name", ""), out_dir, choice, first_line)

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
