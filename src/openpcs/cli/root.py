"""The ``openpcs`` command: a thin layer over the packages.

The root app, with ``--version`` and the commands that belong to no group (``sensors``,
``check``, ``schema``); each group is a module of its own, registered here.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from openpcs import __version__
from openpcs.catalog import SensorTable, sensor_table, sensor_tables
from openpcs.cli.common import err, out, table_option
from openpcs.cli.frame import frame_app
from openpcs.cli.gateway import register as register_gateway_commands
from openpcs.cli.ncd import api_app, mesh_app
from openpcs.cli.program import register as register_program_commands
from openpcs.cli.twin import register as register_twin_command
from openpcs.cli.upload import register as register_upload_command
from openpcs.config.check import check_file
from openpcs.config.loader import ConfigLoadError
from openpcs.config.model import NodeConfig
from openpcs.program.check_view import print_check

app = typer.Typer(
    name="openpcs",
    help="Configure, program and receive Waspmote / Plug & Sense! sensor nodes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(frame_app, name="frame")
app.add_typer(api_app, name="api")
app.add_typer(mesh_app, name="mesh")
register_program_commands(app)
register_gateway_commands(app)
register_twin_command(app)
register_upload_command(app)


def _version(value: bool) -> None:
    if value:
        out.print(f"openpcs {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Configure, program and receive Waspmote / Plug & Sense! sensor nodes."""


def _matches(query: str, row: Any) -> bool:
    needle = query.casefold()
    haystack = " ".join((row.tag, row.name, *row.api_constants)).casefold()
    return needle in haystack or query == str(row.id)


@app.command("sensors")
def sensors(
    query: Annotated[
        str | None, typer.Argument(help="Filter by tag, name, API constant or id.")
    ] = None,
    table: Annotated[
        int | None, typer.Option("--table", help="Only this table (6, 7 or 8).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False,
) -> None:
    """List the v15 sensor tables: id, tag, type, values, decimals, unit and name."""
    chosen: tuple[SensorTable, ...] = (
        (sensor_table(table_option(table)),) if table is not None else sensor_tables()
    )
    rows = [(t, s) for t in chosen for s in t.sensors if query is None or _matches(query, s)]
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "table": t.frame_type,
                        "id": s.id,
                        "tag": s.tag,
                        "type": s.type.value,
                        "count": s.count,
                        "decimals": s.decimals,
                        "api_constants": list(s.api_constants),
                        "name": s.name,
                        "unit": s.unit,
                    }
                    for t, s in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    view = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("table", "id", "tag", "type", "values", "decimals", "unit", "name"):
        view.add_column(column)
    for t, s in rows:
        view.add_row(
            str(t.frame_type),
            str(s.id),
            s.tag,
            s.type.value,
            str(s.count),
            str(s.decimals),
            s.unit,
            s.name,
        )
    out.print(view)


@app.command("check")
def check(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="Configurations or templates (YAML/JSON)."),
    ],
    serial: Annotated[
        str | None, typer.Option("--serial", help="Serial ID that turns a template into a node.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Node name for the template.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Output {data, warnings, errors}.")
    ] = False,
) -> None:
    """Check configurations: summary, frame plan, estimates, warnings and errors.

    Exit status 0 when every file is valid (warnings allowed), 1 when one has errors, 2 when one
    cannot be read.
    """
    outcome = 0
    documents = []
    for file in files:
        try:
            result = check_file(file, serial=serial, name=name)
        except ConfigLoadError as exc:
            err.print(f"error: {exc}", markup=False)
            outcome = 2
            continue
        if not result.valid:
            outcome = max(outcome, 1)
        if as_json:
            documents.append(result.to_dict())
        else:
            print_check(out, result)
    if as_json:
        print(
            json.dumps(
                documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=2
            )
        )
    raise typer.Exit(outcome)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a node configuration."""
    print(json.dumps(NodeConfig.model_json_schema(), indent=2))


def main() -> None:
    """Console-script entry point."""
    app()
