"""``openpcs twin``: run a node's program in the node twin and see its frames reach a gateway.

Exit status: 0 when every cycle sent its frames and they decode to the configured fields; 1
when one did not (each failure names its cycle, the peripheral and the last console line),
or the configuration has errors; 2 when a file cannot be read, the program cannot be built
or the twin cannot run it.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from openpcs.cli.common import err, out
from openpcs.config.check import check_file
from openpcs.config.loader import ConfigLoadError
from openpcs.gateway.settings import TcpSettings
from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.check_view import print_check
from openpcs.program.errors import ProgramError
from openpcs.program.pipeline import choose_builder
from openpcs.twin.bundle_input import built_from_bundle
from openpcs.twin.gateway_link import GatewayClient, GatewayError, local_gateway
from openpcs.twin.run import TwinError, TwinReport, build_for_twin, run_twin
from openpcs.twin.sensors import ValuesError, load_values

__all__ = ["register"]


def _stop(message: str, code: int) -> typer.Exit:
    err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def twin(
    target: Annotated[
        str,
        typer.Argument(
            metavar="CONFIG|BUNDLE",
            help="Node configuration, or a bundle (.zip) to run as built (with --config).",
        ),
    ],
    bundle_config: Annotated[
        str | None,
        typer.Option("--config", help="The configuration a bundle was built from."),
    ] = None,
    api_dir: Annotated[
        str | None,
        typer.Option("--api-dir", help=f"Waspmote API tree (default: ${API_DIR_ENV})."),
    ] = None,
    cycles: Annotated[int, typer.Option("--cycles", min=1, max=100, help="Cycles to run.")] = 3,
    gateway: Annotated[
        str | None,
        typer.Option("--gateway", help="A running openpcs gateway (default: one of its own)."),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="An admin token of that gateway.")
    ] = None,
    gateway_tcp: Annotated[
        int,
        typer.Option(
            "--gateway-tcp",
            min=1,
            max=65535,
            help="That gateway's TCP ingest port, for a 4G or WiFi node's TCP destination.",
        ),
    ] = TcpSettings.model_fields["port"].default,
    values_file: Annotated[
        Path | None,
        typer.Option("--values", help="YAML of what the sensors measure, by field tag (TC: 21.5)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Output the report as JSON.")] = False,
) -> None:
    """Build the node's program (or take a bundle's) and run it on an emulated Waspmote for a
    number of cycles: what it prints, what its radio sends, the frames decoded and stored by
    a gateway."""
    bundle = Path(target) if target.lower().endswith(".zip") else None
    if bundle is not None and bundle_config is None:
        raise _stop("a bundle holds no configuration: give --config, the one it was built from", 2)
    if bundle is None and bundle_config is not None:
        raise _stop("--config is for a bundle; a configuration is the argument itself", 2)
    config_file = bundle_config if bundle_config is not None else target
    try:
        result = check_file(config_file)
    except ConfigLoadError as exc:
        raise _stop(str(exc), 2) from None
    if not result.valid:
        print_check(err, result)
        raise typer.Exit(1)
    if gateway is not None and not token:
        raise _stop("--gateway needs --token, an admin token of that gateway", 2)
    try:
        values = load_values(values_file)
    except ValuesError as exc:
        raise _stop(str(exc), 2) from None
    try:
        with tempfile.TemporaryDirectory(prefix="openpcs-twin-") as work:
            if bundle is not None:
                built = built_from_bundle(bundle, result, Path(work))
            else:
                built = build_for_twin(result, choose_builder(api_dir), Path(work))
            place: AbstractContextManager[GatewayClient] = (
                closing(_remote(gateway, token, gateway_tcp)) if gateway else local_gateway()
            )
            with place as client:
                report = run_twin(result, built, cycles=cycles, gateway=client, values=values)
    except (ProgramError, TwinError, GatewayError) as exc:
        raise _stop(str(exc), 2) from None
    if as_json:
        out.print(json.dumps(_document(report), indent=2), markup=False)
    else:
        _print(report, gateway)
    raise typer.Exit(0 if report.ok else 1)


def _remote(url: str, token: str | None, tcp_port: int) -> GatewayClient:
    """A running gateway at ``url``; its TCP ingest on the same host."""
    host = urlsplit(url).hostname
    return GatewayClient(url, token, (host, tcp_port) if host else None)


def _document(report: TwinReport) -> dict[str, Any]:
    return {
        "serial": report.serial,
        "radio": report.radio,
        "ok": report.ok,
        "failures": report.failures,
        "setup": [{"seconds": line.seconds, "text": line.text} for line in report.setup],
        "cycles": [
            {
                "cycle": cycle.number,
                "console": [{"seconds": line.seconds, "text": line.text} for line in cycle.console],
                "sent": [
                    {
                        "radio": d.radio,
                        "to": d.to,
                        "payload": d.payload.hex().upper(),
                        "meta": d.meta,
                    }
                    for d in cycle.deliveries
                ],
                "frames": cycle.frames,
                "stored": [
                    {"id": s.frame_id, "status": s.status, "readings": s.readings}
                    for s in cycle.stored
                ],
                "problem": cycle.problem,
            }
            for cycle in report.cycles
        ],
        "stop": {"reason": report.stop.reason.name.lower(), "seconds": report.stop.seconds},
        "unmodelled_chips": [f"0x{address:02X}" for address in sorted(report.unmodelled_chips)],
        "reached": report.reached,
    }


def _print(report: TwinReport, gateway: str | None) -> None:
    out.print(f"node {report.serial}, {report.radio} in socket {report.socket}", markup=False)
    for line in report.setup:
        out.print(f"  {line}", markup=False)
    for cycle in report.cycles:
        out.print(f"cycle {cycle.number}", markup=False)
        for line in cycle.console:
            out.print(f"  {line}", markup=False)
        for delivery in cycle.deliveries:
            counter = delivery.meta.get("f_cnt")
            said = f" (uplink counter {counter})" if counter is not None else ""
            out.print(
                f"  sent on {delivery.radio} to {delivery.to}{said}: {len(delivery.payload)} bytes",
                markup=False,
            )
        for frame in cycle.frames:
            fields = ", ".join(
                f"{f.get('tag')} {' '.join(str(v) for v in f.get('values', []))}"
                for f in frame.get("fields", [])
            )
            out.print(
                f"  {frame.get('kind')} frame {frame.get('sequence')}: {fields}", markup=False
            )
        for stored in cycle.stored:
            out.print(
                f"  gateway: frame {stored.frame_id} {stored.status}"
                + ("" if stored.readings is None else f", {stored.readings} readings"),
                markup=False,
            )
    for reached in report.reached:
        out.print(f"on the Internet: {reached}", markup=False)
    if report.unmodelled_chips:
        chips = ", ".join(f"0x{a:02X}" for a in sorted(report.unmodelled_chips))
        out.print(f"chips the twin only pretends to have (ACK, zeros): {chips}", markup=False)
    where = gateway or "the twin's own gateway (a temporary store, gone when it ends)"
    out.print(f"delivered to {where}", markup=False)
    for failure in report.failures:
        err.print(f"failed: {failure}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``twin`` to the top-level app."""
    app.command("twin")(twin)
