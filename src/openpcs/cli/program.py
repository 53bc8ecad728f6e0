"""``openpcs build`` and ``openpcs batch``: "Compile and Download Binary" from the command line.

Exit status: 0 when every bundle was written (source-only bundles included: the output says so),
1 when a configuration has errors or a program does not compile, 2 when a file cannot be read
or a batch cannot start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openpcs.cli.common import err, out
from openpcs.config.check import check_file
from openpcs.config.loader import ConfigLoadError
from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.batch import BatchReport, RowOutcome, run_batch
from openpcs.program.check_view import print_check
from openpcs.program.errors import BatchError, BuildError, ProgramError
from openpcs.program.pipeline import BuilderChoice, choose_builder, program_node

__all__ = ["register"]

ApiDir = Annotated[
    str | None,
    typer.Option(
        "--api-dir",
        help=f"Waspmote API tree (default: ${API_DIR_ENV}); without one the bundle is source only.",
    ),
]
SourceOnly = Annotated[
    bool, typer.Option("--source-only", help="Bundle the source without building a .hex.")
]


def _os_message(exc: OSError) -> str:
    """``out/x: Not a directory`` from an OSError, naming the file it is about."""
    where = exc.filename if exc.filename is not None else "output"
    return f"{where}: {exc.strerror or exc}"


def _say_source_only(choice: BuilderChoice) -> None:
    if choice.builder is None:
        err.print(f"note: no .hex is built: {choice.reason}", markup=False)


def build(
    config_file: Annotated[str, typer.Argument(metavar="CONFIG", help="Node configuration.")],
    serial: Annotated[
        str | None, typer.Option("--serial", help="Serial ID that turns a template into a node.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Node name for the template.")] = None,
    api_dir: ApiDir = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where the zip goes (created if needed).")
    ] = Path("."),
    source_only: SourceOnly = False,
    as_json: Annotated[bool, typer.Option("--json", help="Output the manifest as JSON.")] = False,
) -> None:
    """Generate, compile and bundle one node's program (guide §2.14).

    The zip holds <serial>-<yy>-<mm>-<dd>-<hh>-<mm>-<ss>.hex (when built), the summary, the
    generated source and manifest.json.
    """
    try:
        result = check_file(config_file, serial=serial, name=name)
    except ConfigLoadError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    if not result.valid:
        print_check(err, result)
        raise typer.Exit(1)
    try:
        choice = choose_builder(api_dir, source_only=source_only)
    except ProgramError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    try:
        made = program_node(result, out_dir, choice)
    except BuildError as exc:
        err.print(f"error: {config_file}: the program does not build", markup=False)
        for message in exc.messages or ():
            err.print(message.describe(), markup=False)
        if not exc.messages:
            err.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    except ProgramError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        err.print(f"error: {_os_message(exc)}", markup=False)
        raise typer.Exit(2) from None
    bundle = made.bundle
    if as_json:
        print(json.dumps({"bundle": str(bundle.path), **bundle.manifest}, indent=2))
    else:
        out.print(f"bundle: {bundle.path}", markup=False)
        if made.build is not None:
            stack = made.build.stack
            worst = (
                f" ({stack.worst_bytes:,} B at the worst moment with the stack, "
                f"{stack.margin:,} B to spare)"
                if stack is not None
                else ""
            )
            out.print(
                f"binary: {bundle.manifest['binary']['hex']} — {made.build.flash_bytes:,} B "
                f"flash, {made.build.ram_bytes:,} B RAM{worst}",
                markup=False,
            )
            for warning in made.build.warnings:
                err.print(f"warning: {warning}", markup=False)
    _say_source_only(choice)


def _table(report: BatchReport) -> Table:
    table = Table(title="Batch", title_justify="left")
    for column in ("line", "serial", "name", "result", "flash", "RAM"):
        table.add_column(column)
    for row in report.rows:
        result = (row.bundle + ("" if row.has_hex else " (source only)")) if row.ok else row.message
        table.add_row(
            str(row.line),
            row.serial,
            row.name,
            result if row.ok else f"[red]{result}[/red]",
            f"{row.flash_bytes:,}" if row.flash_bytes else "",
            f"{row.ram_bytes:,}" if row.ram_bytes else "",
        )
    return table


def batch(
    template: Annotated[Path, typer.Argument(metavar="TEMPLATE", help="Template configuration.")],
    nodes: Annotated[
        Path, typer.Argument(metavar="NODES.csv", help="serial, name and per-node values.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Where the zips and the report go.")],
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, max=16, help="Parallel builds.")] = 2,
    api_dir: ApiDir = None,
    source_only: SourceOnly = False,
) -> None:
    """Program up to 100 nodes from one template (Elite licence): a zip per node and a report."""
    try:
        choice = choose_builder(api_dir, source_only=source_only, jobs=1)
        out_dir.mkdir(parents=True, exist_ok=True)
    except ProgramError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"error: {_os_message(exc)}", markup=False)
        raise typer.Exit(2) from None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("programming", total=None)

        def started(total: int) -> None:
            progress.update(task, total=total)

        def done(row: RowOutcome) -> None:
            progress.advance(task)
            if not row.ok:
                progress.console.print(
                    f"line {row.line} ({row.serial}): {row.message}", markup=False
                )

        try:
            report = run_batch(
                template, nodes, out_dir, choice, jobs=jobs, on_start=started, on_done=done
            )
        except (BatchError, ConfigLoadError) as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(2) from None
    out.print(_table(report))
    bundled = len(report.rows) - len(report.failed)
    out.print(
        f"{bundled} of {len(report.rows)} nodes bundled in {out_dir}; report: "
        f"{report.report_json.name}, {report.report_csv.name}",
        markup=False,
    )
    _say_source_only(choice)
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``build`` and ``batch`` to the main command."""
    app.command("build")(build)
    app.command("batch")(batch)
